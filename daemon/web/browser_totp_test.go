package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/kogge-project/kogge/rooms/accounts"
)

// TestSecretaryEnrolsTOTPInTheBrowser: with a second factor mandatory, a
// secretary without one logs in with her password and sees only the
// enrolment; she confirms her password, gets a QR code (an image the CSP
// lets load) and the secret in groups of four, types the code her app
// would show, and the week view appears.
func TestSecretaryEnrolsTOTPInTheBrowser(t *testing.T) {
	e := newTestEnv(t, func(o *accounts.Options) { o.RequireTOTP = true })
	shots := keptShots(t, "totp")

	p := openPage(t, e)
	p.do(chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#login-form input[name=name]"), "anna"),
		chromedp.SendKeys(chromedp.CSS("#login-form input[name=password]"), testPassword),
		chromedp.Click(chromedp.CSS("#login-form button")),
		chromedp.WaitVisible(chromedp.CSS("#totp-begin")))
	p.waitText("#totp-title", "Zwei-Faktor-Anmeldung einrichten")
	if p.eval(`document.getElementById("enrol").hidden || !document.getElementById("app").hidden ? 1 : 0`) != 0 {
		t.Error("the enrolment notice is hidden or the app shows before enrolment")
	}
	if p.eval(`document.activeElement === document.querySelector("#totp-begin input[name=password]") ? 1 : 0`) != 1 {
		t.Error("focus is not on the password field")
	}

	// Step 1: a wrong password is an alert; the right one leads on.
	p.set("#totp-begin input[name=password]", "not the password")
	p.do(chromedp.Click(chromedp.CSS("#totp-begin button[type=submit]")))
	p.waitText("#totp-begin-error", "Passwort")
	p.set("#totp-begin input[name=password]", testPassword)
	p.do(chromedp.Click(chromedp.CSS("#totp-begin button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#totp-confirm")))
	p.waitJS(`document.getElementById("totp-qr").complete && document.getElementById("totp-qr").naturalWidth > 0`)
	if p.eval(`document.activeElement === document.querySelector("#totp-confirm input[name=code]") ? 1 : 0`) != 1 {
		t.Error("focus is not on the code field of step 2")
	}
	grouped := p.text("#totp-secret")
	for _, g := range strings.Fields(grouped) {
		if len(g) > 4 {
			t.Errorf("secret %q is not in groups of four", grouped)
			break
		}
	}
	p.screenshot(shots, "totp-step2.png")
	checkAccessibility(t, p.step, "two-factor enrolment (step 2)")

	// A wrong code is an alert; the code of now enrols.
	p.set("#totp-confirm input[name=code]", "000000")
	p.do(chromedp.Click(chromedp.CSS("#totp-confirm button[type=submit]")))
	p.waitText("#totp-confirm-error", "Code passt nicht")
	code, err := totp.GenerateCode(strings.ReplaceAll(grouped, " ", ""), e.now)
	if err != nil {
		t.Fatal(err)
	}
	p.set("#totp-confirm input[name=code]", code)
	p.do(chromedp.Click(chromedp.CSS("#totp-confirm button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#app")),
		chromedp.WaitVisible(chromedp.CSS("#week .track")))
	p.waitText("#totp-done", "eingerichtet")
	if p.eval(`document.getElementById("enrol").offsetParent === null && document.getElementById("totp").hidden ? 1 : 0`) != 1 {
		t.Error("the enrolment notice or section still shows")
	}
	p.screenshot(shots, "totp-done.png")

	// From the header, replacing the factor asks for the current code too;
	// cancelling leaves the app as it was.
	p.do(chromedp.Click(chromedp.CSS("#totp-open")), chromedp.WaitVisible(chromedp.CSS("#totp-begin")))
	p.set("#totp-begin input[name=password]", testPassword)
	p.do(chromedp.Click(chromedp.CSS("#totp-begin button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#totp-current-label")))
	p.waitText("#totp-begin-error", "aktuellen Code")
	if p.eval(`document.activeElement === document.querySelector("#totp-begin input[name=code]") ? 1 : 0`) != 1 {
		t.Error("focus is not on the current-code field")
	}
	p.do(chromedp.Click(chromedp.CSS("#totp-begin .totp-cancel")), chromedp.WaitNotVisible(chromedp.CSS("#totp")))
	if p.eval(`document.getElementById("app").hidden ? 1 : 0`) != 0 {
		t.Error("cancelling hid the app")
	}

	// The factor is active: a login now needs the code.
	e.loginOverHTTP("anna", testPassword, "").problem(t, 401, "totp-required")
}
