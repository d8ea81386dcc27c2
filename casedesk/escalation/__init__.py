"""What watches the cases' clocks and walks the escalation paths: the SLA sweeps (hold
wake-up, no-response closure, warnings and breaches, on-call paging), the Escalate
action, and the SLA report. Above `cases` (it calls the case actions) and `sla` (the
calendars, policies and paths it reads)."""
