package sfu

// Codec payload inspection for layer switching: where a keyframe starts,
// and where VP8 keeps the picture id and TL0PICIDX that each
// subscriber's stream renumbers.

// vp8Desc is what the VP8 payload descriptor (RFC 7741) tells us.
type vp8Desc struct {
	ok       bool
	picOff   int // byte offset of the picture id, 0 when absent
	pic15    bool
	tl0Off   int // byte offset of TL0PICIDX, 0 when absent
	keyStart bool
}

func parseVP8(p []byte) vp8Desc {
	var d vp8Desc
	if len(p) < 1 {
		return d
	}
	i := 1
	start := p[0]&0x10 != 0 && p[0]&0x07 == 0 // S bit, partition 0
	if p[0]&0x80 != 0 {                       // X
		if len(p) < 2 {
			return d
		}
		x := p[1]
		i = 2
		if x&0x80 != 0 { // I: picture id
			if len(p) < i+1 {
				return d
			}
			d.picOff = i
			if p[i]&0x80 != 0 {
				d.pic15 = true
				i += 2
			} else {
				i++
			}
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			d.tl0Off = i
			i++
		}
		if x&0x30 != 0 { // T or K
			i++
		}
	}
	if len(p) <= i {
		return d
	}
	d.ok = true
	// The VP8 payload header's P bit is 0 on a key frame.
	d.keyStart = start && p[i]&0x01 == 0
	return d
}

func (d vp8Desc) pic(p []byte) uint16 {
	if d.pic15 {
		return uint16(p[d.picOff]&0x7f)<<8 | uint16(p[d.picOff+1])
	}
	return uint16(p[d.picOff] & 0x7f)
}

func (d vp8Desc) setPic(p []byte, v uint16) {
	if d.pic15 {
		p[d.picOff] = 0x80 | byte(v>>8)&0x7f
		p[d.picOff+1] = byte(v)
		return
	}
	p[d.picOff] = byte(v) & 0x7f
}

// picMask is the picture id's range: 15 or 7 bits.
func (d vp8Desc) picMask() uint16 {
	if d.pic15 {
		return 0x7fff
	}
	return 0x7f
}

// h264KeyStart reports whether an H.264 payload (RFC 6184) starts an IDR
// picture or carries its SPS.
func h264KeyStart(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	switch nal := p[0] & 0x1f; nal {
	case 5, 7:
		return true
	case 24: // STAP-A: length-prefixed NAL units
		for i := 1; i+2 < len(p); {
			n := int(p[i])<<8 | int(p[i+1])
			if t := p[i+2] & 0x1f; t == 5 || t == 7 {
				return true
			}
			i += 2 + n
		}
	case 28: // FU-A: the start fragment names the NAL type
		return len(p) > 1 && p[1]&0x80 != 0 && (p[1]&0x1f == 5 || p[1]&0x1f == 7)
	}
	return false
}
