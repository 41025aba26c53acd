package pjlink

import (
	"bufio"
	"fmt"
	"strings"
)

const (
	// DefaultPort is the PJLink TCP (and class 2 UDP) port.
	DefaultPort = 4352

	// maxReplyLine bounds a line from the device (CR excluded). The longest
	// legal reply is a 64-char NAME or INNM after "%2INNM=", far below it;
	// anything longer is a device gone mad and must not grow our buffer.
	maxReplyLine = 512

	// maxParam is the spec's bound on a request parameter (≤128 bytes).
	maxParam = 128

	// digestLen is the length of the hex MD5 prefix on the first command.
	digestLen = 32
)

// request is one command line without its CR and without the auth prefix.
type request struct {
	class byte   // '1' or '2'
	body  string // four upper-case characters, e.g. "POWR"
	param string // "1", "?", "?31"
}

func (r request) String() string { return "%" + string(r.class) + r.body + " " + r.param }

// query reports whether the request only reads: such requests are safe to
// send again when their reply was lost.
func (r request) query() bool { return strings.HasPrefix(r.param, "?") }

// reply is one parsed "%<class><BODY>=<value>" line.
type reply struct {
	class byte
	body  string
	value string
}

func (r reply) String() string { return "%" + string(r.class) + r.body + "=" + r.value }

// readLine reads one CR-terminated line of at most max bytes, CR excluded.
// Reads byte by byte from the bufio.Reader so partial segments and several
// lines per segment both work.
func readLine(br *bufio.Reader, max int) (string, error) {
	var buf []byte
	for {
		b, err := br.ReadByte()
		if err != nil {
			return "", err
		}
		if b == '\r' {
			return string(buf), nil
		}
		if len(buf) == max {
			return "", newProtocolError(fmt.Sprintf("line longer than %d bytes", max), string(buf))
		}
		buf = append(buf, b)
	}
}

// parseReply parses a reply line (CR removed). A device error code (ERR1–4)
// comes back as the matching sentinel together with the parsed reply, so
// the caller can still check that it answers the request it sent;
// "PJLINK ERRA" comes back as ErrAuth.
func parseReply(line string) (reply, error) {
	if line == "PJLINK ERRA" {
		return reply{}, ErrAuth
	}
	if len(line) < 7 || line[0] != '%' || line[6] != '=' {
		return reply{}, newProtocolError("not a PJLink reply", line)
	}
	r := reply{class: line[1], body: line[2:6], value: line[7:]}
	if r.class != '1' && r.class != '2' {
		return reply{}, newProtocolError("unknown class", line)
	}
	if !validBody(r.body) {
		return reply{}, newProtocolError("bad command body", line)
	}
	for i := 0; i < len(r.value); i++ {
		// The spec is ASCII; bytes ≥ 0x80 are tolerated because some
		// devices send UTF-8 names, control bytes are not.
		if c := r.value[i]; c < 0x20 || c == 0x7f {
			return reply{}, newProtocolError("control byte in reply", line)
		}
	}
	if err, ok := deviceErrors[r.value]; ok {
		return r, err
	}
	return r, nil
}

// validBody reports whether s is a four-character command body (upper-case
// letters and digits, e.g. INF1).
func validBody(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// validParam reports whether p can go on the wire: bounded, printable ASCII,
// so a caller's string can never smuggle a CR and a second command.
func validParam(p string) bool {
	if len(p) == 0 || len(p) > maxParam {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
