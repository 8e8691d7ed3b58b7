"""PF000 analysis-error: the file could not be analysed. Reported by the engine itself."""

from __future__ import annotations

from pitfalls.model import Severity
from pitfalls.rules.base import Rule, RuleDoc, Video


class AnalysisError(Rule):
    code = "PF000"
    slug = "analysis-error"
    summary = "The file could not be analysed"
    severity = Severity.ERROR
    video = Video(
        "Syntax errors (Python tutorial)", "https://docs.python.org/3/tutorial/errors.html#syntax-errors"
    )
    doc = RuleDoc(
        what_it_does="""\
Reports a file that pitfalls could not analyse: a syntax error, bytes that are not text
in the file's declared encoding, a file that cannot be read, a binary named `.py`, code
nested too deeply for Python's parser, or an analysis that ran past its time budget
(`timeout` in the configuration). The message says which, and the range points at the
place when there is one.""",
        why_it_bites="""\
A file that cannot be analysed is a file in which no other pitfall can be found. Rather
than skip it silently, and let a CI run pass on code nobody checked, pitfalls says so. In
the editor, while you type through a syntax error, this marks where parsing stops.""",
        example="""\
```python
def transfer(source, target, amount)
    source.balance -= amount
```""",
        use_instead="""\
```python
def transfer(source, target, amount):
    source.balance -= amount
```""",
        fix_safety="There is no automatic fix: the file needs a human to repair it.",
    )
