// Ending a meeting from the door takes two taps: a wall panel is touched
// by accident, and an ended booking cannot be taken back from the panel.
// The first tap on "Beenden" asks the question in place of the button, with
// a yes and a no; without an answer the question goes away by itself.
const $ = (id) => document.getElementById(id);
const ASK_MS = 8000; // long enough to read the question and tap, short enough for a passer-by

let asking = ''; // the id of the booking the question is about ('' while not asking)
let askTimer = null;

// show draws the end button or the question for the running booking cur
// (null: none). A question about a booking no longer running goes away:
// the yes would end another one.
export function showEnd(cur) {
  if (asking && (!cur || cur.id !== asking)) stop();
  $('end').hidden = !cur || !!asking;
  $('end-confirm').hidden = !cur || !asking;
}

// stop puts the end button back in place of the question; focus follows
// it when it was on the question (a keyboard user is not left nowhere).
function stop() {
  clearTimeout(askTimer);
  const had = $('end-confirm').contains(document.activeElement);
  asking = '';
  $('end-confirm').hidden = true;
  $('end').hidden = false;
  if (had) $('end').focus();
}

// wireEnd wires the end button: current() is the running booking, end()
// sends the request (only after the yes).
export function wireEnd(current, end) {
  $('end').addEventListener('click', () => {
    const cur = current();
    if (!cur) return;
    asking = cur.id;
    showEnd(cur);
    // The safe answer takes the focus: Enter or Space again does not end.
    $('end-no').focus();
    clearTimeout(askTimer);
    askTimer = setTimeout(() => { stop(); showEnd(current()); }, ASK_MS);
  });
  $('end-no').addEventListener('click', stop);
  $('end-confirm').addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') stop();
  });
  // The yes sends at once; the answer redraws the panel (no end button
  // once the booking is over, the button again if it was refused).
  $('end-yes').addEventListener('click', () => {
    clearTimeout(askTimer);
    asking = '';
    $('end-confirm').hidden = true; // no second yes while the first is on its way
    end();
  });
}
