"""How far up each escalation path a case has gone."""

from __future__ import annotations

from django.db import models


class CaseEscalation(models.Model):
    """The level one case has reached on one path: a row per case and path walked, written
    by `actions.escalate` under the case's row lock. (The support path's level is also on
    the case, `Case.escalation_level`, for the case pages and lists.)"""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="escalations")
    path = models.ForeignKey("sla.EscalationPath", on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["case", "path"]
        constraints = [models.UniqueConstraint(fields=["case", "path"], name="case_escalation_per_path")]

    def __str__(self) -> str:
        return f"case {self.case_id}: level {self.level} of path {self.path_id}"
