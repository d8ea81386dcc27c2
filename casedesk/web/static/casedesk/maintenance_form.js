// Entering a maintenance window: choosing a kind fills in its plan (times, recurrence,
// impact, notices) from the table the page carries as JSON; every field stays editable.
(function () {
  var source = document.getElementById("maintenance-plan");
  var kind = document.getElementById("id_kind");
  if (!source || !kind) return;
  var plan = {};
  JSON.parse(source.textContent).forEach(function (r) { plan[r.kind] = r; });
  function set(id, v) { var el = document.getElementById(id); if (el) el.value = v; }
  kind.addEventListener("change", function () {
    var r = plan[kind.value];
    if (!r) return;
    set("id_start_time", r.start); set("id_end_time", r.end); set("id_recurrence", "plan"); set("id_impact", r.impact);
    if (r.quiet) set("id_first_day", r.day);
    document.getElementById("id_notify_start").checked = r.notify_start;
    document.getElementById("id_notify_completion").checked = r.notify_completion;
    document.querySelector("[data-field=business_hours_reason]").hidden = !r.quiet;
  });
})();
