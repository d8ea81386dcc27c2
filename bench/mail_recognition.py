"""Recognition rate of automatic mail: every public sample of a bounce, a feedback report,
a provider's notification or an automatic reply the tests read, in LF, CRLF and bare-CR
form, parsed as intake parses it. Prints the share recognised per form, by detector, and
any sample missed.

    .venv/bin/python bench/mail_recognition.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from casedesk.mime import parse  # noqa: E402
from tests.mail.test_recognisers import FORMS, automatic_samples, in_form  # noqa: E402


def main() -> None:
    samples = automatic_samples()
    for form in FORMS:
        detectors: Counter[str] = Counter()
        missed = []
        for path in samples:
            try:
                found = parse.parse(in_form(path, form)).recognised
            except parse.Unparseable as exc:
                missed.append(f"{path.name} ({exc})")
                continue
            if found is None:
                missed.append(path.name)
            else:
                detectors[found.detector] += 1
        rate = 100 * (len(samples) - len(missed)) / len(samples)
        print(f"{form:5} {len(samples) - len(missed)}/{len(samples)} recognised ({rate:.1f}%)")
        for name, count in detectors.most_common():
            print(f"      {count:4}  {name}")
        for name in missed:
            print(f"      missed: {name}")


if __name__ == "__main__":
    main()
