// Reads one iCalendar file from stdin, parses it with Mozilla's ical.js
// (as Thunderbird does) and prints every VEVENT's times as JSON, without
// expanding recurrences. Used by TestFeedsParseInIcalJS; exits non-zero
// on any parse problem, including a TZID the file does not define.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");

const root = new ICAL.Component(ICAL.parse(text));
if (root.name !== "vcalendar") throw new Error(`root component is ${root.name}`);

const zones = new Set();
for (const vtz of root.getAllSubcomponents("vtimezone")) {
  const tz = new ICAL.Timezone(vtz);
  ICAL.TimezoneService.register(tz);
  zones.add(tz.tzid);
}

// A DATE-TIME as a UTC ISO string; a TZID without VTIMEZONE would make
// ical.js read the time as floating, so it is refused here.
function utc(prop, value) {
  if (!value) return null;
  const tzid = prop.getParameter("tzid");
  if (tzid && !zones.has(tzid)) throw new Error(`${prop.name}: TZID ${tzid} has no VTIMEZONE`);
  return value.toJSDate().toISOString();
}

function one(comp, name) {
  const prop = comp.getFirstProperty(name);
  return prop ? utc(prop, prop.getFirstValue()) : null;
}

const events = [];
for (const ev of root.getAllSubcomponents("vevent")) {
  const exdates = [];
  for (const prop of ev.getAllProperties("exdate")) {
    for (const v of prop.getValues()) exdates.push(utc(prop, v));
  }
  const rrule = ev.getFirstPropertyValue("rrule");
  const event = new ICAL.Event(ev);
  events.push({
    uid: ev.getFirstPropertyValue("uid"),
    summary: ev.getFirstPropertyValue("summary"),
    start: one(ev, "dtstart"),
    end: one(ev, "dtend"),
    recurrenceId: one(ev, "recurrence-id"),
    status: ev.getFirstPropertyValue("status"),
    sequence: ev.getFirstPropertyValue("sequence"),
    rrule: rrule ? rrule.toString() : null,
    exdates,
    description: ev.getFirstPropertyValue("description") || "",
    conference: ev.getAllProperties("conference").map((p) => p.getFirstValue()),
    attendees: ev.getAllProperties("attendee").map((p) => p.getFirstValue()),
    duration: event.duration.toSeconds(),
  });
}
process.stdout.write(JSON.stringify({ method: root.getFirstPropertyValue("method"), events }) + "\n");
