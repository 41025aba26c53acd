package web

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"strconv"

	"github.com/pquerna/otp"

	"github.com/kogge-project/kogge/rooms/accounts"
)

// totpQRSize is the QR code's edge in pixels: big enough for a phone camera
// across a desk, small enough for a laptop screen.
const totpQRSize = 256

// totpQR answers GET /session/totp/qr: the caller's pending enrolment's
// otpauth URL as a PNG QR code, for the enrolment page (whose CSP allows
// no data: URLs). Only the session that began the enrolment gets it, and
// only for a while (see accounts.BeginTOTP). It holds the secret: never
// cached.
func (s *server) totpQR(w http.ResponseWriter, _ *http.Request, c *caller) error {
	if c.session == nil {
		return errForbidden
	}
	u, err := s.accounts.PendingTOTPURL(c.user.Name, c.session.ID)
	if errors.Is(err, accounts.ErrTOTPNotPending) {
		return newProblem(http.StatusNotFound, "totp-not-pending", "totp-not-pending")
	}
	if err != nil {
		return err
	}
	key, err := otp.NewKeyFromURL(u)
	if err != nil {
		return fmt.Errorf("totp qr: %w", err)
	}
	img, err := key.Image(totpQRSize, totpQRSize)
	if err != nil {
		return fmt.Errorf("totp qr: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("totp qr: %w", err)
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
	return nil
}
