package tesira

import (
	"bufio"
	"errors"
	"io"
)

// Telnet bytes (RFC 854).
const (
	tnIAC  = 0xFF
	tnDONT = 0xFE
	tnDO   = 0xFD
	tnWONT = 0xFC
	tnWILL = 0xFB
	tnSB   = 0xFA
	tnSE   = 0xF0
)

// MaxLineLength bounds one line from the peer. The longest legitimate TTP
// line is a list such as "SESSION get aliases" on a big design; a peer that
// sends more without a line end is flooding, and the excess is dropped.
const MaxLineLength = 16 << 10

// errLineTooLong reports a line cut at MaxLineLength; its first
// MaxLineLength bytes are returned with it and the rest was discarded.
var errLineTooLong = errors.New("line too long")

// refusal is the answer docs/protocols/tesira.md §3 requires to an option
// request: DO x → WONT x, WILL x → DONT x. WONT and DONT need no answer
// (answering them could loop). ok is false when no answer is due.
func refusal(verb, opt byte) (reply []byte, ok bool) {
	switch verb {
	case tnDO:
		return []byte{tnIAC, tnWONT, opt}, true
	case tnWILL:
		return []byte{tnIAC, tnDONT, opt}, true
	}
	return nil, false
}

// lineReader turns a Telnet byte stream into text lines: it strips option
// negotiation (reporting each request to onOption) and subnegotiation,
// unescapes IAC IAC, and ends a line at CR or LF. After a CR it swallows
// one LF or NUL, because Telnet servers end lines with CR LF or CR NUL.
type lineReader struct {
	r        *bufio.Reader
	onOption func(verb, opt byte)
	max      int
	buf      []byte
	afterCR  bool // the previous line ended at a CR
	// prompt, when set, says whether an unfinished line is a prompt
	// waiting for input (a login prompt has no line end); it is then
	// returned as a line once nothing more is buffered.
	prompt func(partial []byte) bool
}

func newLineReader(r io.Reader, max int, onOption func(verb, opt byte)) *lineReader {
	return &lineReader{r: bufio.NewReader(r), onOption: onOption, max: max}
}

// readLine returns the next line without its terminator. A line longer
// than max comes back cut, with errLineTooLong; reading can go on.
func (lr *lineReader) readLine() (string, error) {
	lr.buf = lr.buf[:0]
	tooLong := false
	for {
		if lr.prompt != nil && len(lr.buf) > 0 && lr.r.Buffered() == 0 && lr.prompt(lr.buf) {
			return string(lr.buf), nil
		}
		b, err := lr.readData()
		if err != nil {
			return "", err
		}
		if lr.afterCR {
			lr.afterCR = false
			if b == '\n' || b == 0 {
				continue
			}
		}
		switch b {
		case '\r':
			lr.afterCR = true
			fallthrough
		case '\n':
			line := string(lr.buf)
			if tooLong {
				return line, errLineTooLong
			}
			return line, nil
		case 0:
			// NUL is a Telnet no-op outside CR NUL; it carries no text.
			continue
		}
		if len(lr.buf) >= lr.max {
			tooLong = true
			continue
		}
		lr.buf = append(lr.buf, b)
	}
}

// readData returns the next data byte, handling Telnet commands on the way.
func (lr *lineReader) readData() (byte, error) {
	for {
		b, err := lr.r.ReadByte()
		if err != nil {
			return 0, err
		}
		if b != tnIAC {
			return b, nil
		}
		verb, err := lr.r.ReadByte()
		if err != nil {
			return 0, err
		}
		switch verb {
		case tnIAC:
			return tnIAC, nil // an escaped 0xFF data byte
		case tnDO, tnDONT, tnWILL, tnWONT:
			opt, err := lr.r.ReadByte()
			if err != nil {
				return 0, err
			}
			if lr.onOption != nil {
				lr.onOption(verb, opt)
			}
		case tnSB:
			if err := lr.skipSubnegotiation(); err != nil {
				return 0, err
			}
		default:
			// NOP, GA, AYT and the like carry nothing for TTP.
		}
	}
}

// skipSubnegotiation drops everything up to IAC SE. Its length is not
// bounded by the line limit, but nothing is kept, so a flood costs no memory.
func (lr *lineReader) skipSubnegotiation() error {
	for {
		b, err := lr.r.ReadByte()
		if err != nil {
			return err
		}
		if b != tnIAC {
			continue
		}
		b, err = lr.r.ReadByte()
		if err != nil {
			return err
		}
		if b == tnSE {
			return nil
		}
	}
}
