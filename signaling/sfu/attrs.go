package sfu

import (
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// pion's track writers hand the interceptors no attributes (nil), and
// its GCC estimator then makes a map for every packet to note the TWCC
// extension's id in (gcc.SendSideBWE.AddStream): the largest source of
// garbage in the SFU (a sixth of all it allocated at 50 subscribers),
// paid per packet per subscriber, and so the main driver of GC cycles.
// reuseAttrs, the outermost interceptor on the down connections, gives
// each stream one map instead, emptied before every packet. A down
// track's writes are serialised by its mutex (down.go), and nothing
// after the write keeps the map.

type reuseAttrsFactory struct{}

func (reuseAttrsFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &reuseAttrs{}, nil
}

type reuseAttrs struct{ interceptor.NoOp }

// BindLocalStream implements interceptor.Interceptor.
func (*reuseAttrs) BindLocalStream(_ *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	attrs := make(interceptor.Attributes, 2)
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if a == nil {
			clear(attrs)
			a = attrs
		}
		return w.Write(h, payload, a)
	})
}
