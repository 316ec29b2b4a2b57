import ICAL from "ical.js";

/** Parse with ical.js, resolving TZIDs through the calendar's own VTIMEZONE. */
export function parseIcs(text: string) {
  const cal = new ICAL.Component(ICAL.parse(text));
  for (const vtz of cal.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(vtz);
  const events = cal.getAllSubcomponents("vevent").map((v) => {
    const e = new ICAL.Event(v);
    return {
      uid: e.uid,
      summary: e.summary,
      description: e.description,
      start: e.startDate.toJSDate().toISOString(),
      end: e.endDate.toJSDate().toISOString(),
      startZone: e.startDate.zone?.tzid,
      startWall: e.startDate.toString(),
      status: v.getFirstPropertyValue("status"),
      categories: v.getFirstProperty("categories")?.getValues(),
    };
  });
  return { cal, events };
}
