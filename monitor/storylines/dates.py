"""Date mentions in a sentence, resolved against the article's publication date.

Part of the status stage: monitor.storylines.status asks for the dates of a cue sentence
(never of the whole article: dateparser is slow and misreads things such as "in 24 years").
Absolute day-month expressions are found by our own regexes (ranges too: dateparser reads
"18-19 June" as 2119-06-18) and each single expression is parsed by dateparser with the
publication date as RELATIVE_BASE. Weekdays are resolved by our own tense rule: "is expected
to arrive on Tuesday" looks forward, "told reporters Monday" looks back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal

import dateparser

Tense = Literal["future", "past"]

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
MONTH_NAME = (r"(?:january|february|march|april|may|june|july|august|september|october"
              r"|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?")
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d))?"
_TO = (r"\s*(?:-|–|—|to|through|till|until|and)\s*"
       r"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+)?")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE)) for name, pattern in (
        # June 30-July 1 / 30 June to 1 July
        ("md_md", rf"\b(?P<m1>{_MONTH})\s+(?P<d1>{_DAY}){_TO}(?P<m2>{_MONTH})\s+(?P<d2>{_DAY})\b"
                  rf"{_YEAR}"),
        ("dm_dm", rf"\b(?P<d1>{_DAY})\s+(?P<m1>{_MONTH}){_TO}(?P<d2>{_DAY})\s+(?P<m2>{_MONTH})"
                  rf"{_YEAR}"),
        # June 18-19 / June 18 to 19
        ("md_d", rf"\b(?P<m1>{_MONTH})\s+(?P<d1>{_DAY}){_TO}(?P<d2>{_DAY})\b(?!\s*{_MONTH})"
                 rf"{_YEAR}"),
        # 18-19 June
        ("d_dm", rf"\b(?P<d1>{_DAY}){_TO}(?P<d2>{_DAY})\s+(?P<m1>{_MONTH})(?![a-z]){_YEAR}"),
        ("md", rf"\b(?P<m1>{_MONTH})\s+(?P<d1>{_DAY})\b{_YEAR}"),
        ("dm", rf"\b(?P<d1>{_DAY})\s+(?P<m1>{_MONTH})(?![a-z]){_YEAR}"),
        ("wd_wd", rf"\b(?P<w1>{_WEEKDAY})\s*(?:-|–|to|and)\s*(?P<w2>{_WEEKDAY})\b"),
        ("wd", rf"\b(?P<w1>{_WEEKDAY})\b"),
        ("rel", r"\b(?P<rel>today|tonight|tomorrow|yesterday)\b"),
    ))

_FUTURE_WORDS = frozenset({
    "will", "'ll", "expected", "due", "set", "scheduled", "slated", "planned", "plans",
    "plan", "would", "next", "shall", "upcoming", "coming", "until", "from", "arrives",
    "begins", "starts", "heads", "travels", "visits", "leaves",
})
_PAST_WORDS = frozenset({
    "said", "says", "told", "tells", "announced", "reported", "reports", "was", "were", "had",
    "did", "last", "earlier", "confirmed", "stated", "added", "noted", "wrote", "quoted",
    "arrived", "landed", "left", "met", "held", "signed", "went", "came", "began", "ended",
    "put", "published", "released", "issued", "ago", "spoke", "sent", "made", "took", "gave",
    "flew", "saw", "spent", "won", "lost", "got", "ran", "brought", "sold", "built", "fought",
    "led", "kept", "found", "paid", "shot", "struck", "threw", "stood", "fell", "rose", "drew",
    "grew", "knew", "thought", "felt", "heard", "sought", "returned", "visited", "hosted",
})
_INFINITIVES = frozenset({
    "arrive", "visit", "travel", "meet", "hold", "sign", "come", "go", "fly", "leave", "depart",
    "land", "make", "pay", "begin", "start", "attend", "stay", "be", "head",
})
_WORD = re.compile(r"[a-z']+")
# "BEIJING, June 17 (Reuters) -", "Tokyo, June 17 (Kyodo) --", "June 17, 2024 (AP) —",
# "Updated June 17, 2024, 10:05 GMT": the place and day of writing, never an event's date.
_DATELINE = re.compile(
    r"^\W*(?:(?:updated|published|posted)\b:?\s*)?"
    r"(?-i:[A-Z][\w.'’-]*(?:[ ,/]+(?:\([A-Z][\w.]*\)|[A-Z][\w.'’-]*)){0,3},?\s+)?"
    rf"(?:{_WEEKDAY},?\s+)?(?:{_MONTH}\s+{_DAY}|{_DAY}\s+{_MONTH})(?:,?\s+(?:19|20)\d\d)?"
    r"(?:,?\s+\d{1,2}[:.]\d\d(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?)?"
    r"(?:\s*\([^()]{1,40}\)\s*(?:--|[-—–|:/])?|[.,]?\s*/[^/]{1,20}/\.?"
    r"|,\s*(?-i:[A-Z]{2,}[A-Z-]*)\s*[:.—–-]|\s*(?:--|[-—–|:/]))(?=\s+[^\d\s]|\s*$)",
    re.IGNORECASE)
# "WASHINGTON (UrduPoint News / Sputnik - 14th November, 2022)": a datestamp in brackets.
_BRACKETED_DATESTAMP = re.compile(
    r"^\W*(?:[A-Z][\w .,'’/-]{1,40}?)?\s*\((?=[^()]*\b(?:19|20)\d\d\b)[^()]{0,80}\)\s*"
    r"(?:--|[-—–|:])?")
_DATELINE_DAY = re.compile(
    rf"\b(?:(?P<m1>{_MONTH})\s+(?P<d1>{_DAY})|(?P<d2>{_DAY})\s+(?P<m2>{_MONTH}))", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[,;\"“”()]|:(?!\d)|\bthat\b|\bwhile\b|\bwhen\b")


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date (or date range) named in a sentence; `start`/`end` are character offsets."""

    text: str
    first: date
    last: date | None
    start: int
    end: int
    kind: Literal["absolute", "weekday", "relative"]
    year_stated: bool = False
    weekday_conflict: bool = False
    """The day is named with a weekday it does not fall on in the year assumed ("Monday,
    Nov. 15" read in 2023, a Wednesday): the writer means another year."""
    tense: Tense | None = None
    """The tense of the words just before the date in its clause, when they show one:
    "said on Monday" (past: when something was said), "will arrive on Tuesday" (future)."""

    @property
    def is_range(self) -> bool:
        return self.last is not None and self.last != self.first


def find_dates(sentence: str, published: datetime | date) -> list[DateMention]:
    """Every day-precise date mentioned in `sentence`, in order of appearance."""
    base = published.date() if isinstance(published, datetime) else published
    taken: list[tuple[int, int]] = []
    mentions: list[DateMention] = []
    for name, pattern in _PATTERNS:
        for match in pattern.finditer(sentence):
            if any(match.start() < e and s < match.end() for s, e in taken):
                continue
            mention = _resolve(name, match, sentence, base)
            if mention is not None:
                taken.append((match.start(), match.end()))
                mentions.append(replace(mention, tense=clause_tense(sentence, match.start()),
                                        weekday_conflict=_weekday_conflict(sentence, mention)))
    return sorted(mentions, key=lambda m: m.start)


_MONTH_TIMEFRAME = re.compile(
    rf"\b(?:(?:in|by|for|during|of|(?:early|mid|late|end of|the end of|middle of)[- ]?)\s*"
    rf"(?:(?:early|mid|late)[- ])?(?P<month>{MONTH_NAME})(?!\s+\d)|(?P<next>next month))\b",
    re.IGNORECASE)


NEAR_MONTH_DAYS = 42
"""A month whose named part ("early April") starts within six weeks is near."""
_PART_START = {"early": 1, "mid": 10, "middle of": 10, "late": 20, "end of": 20,
               "the end of": 20}


def near_month(sentence: str, published: date) -> bool:
    """Does the sentence set the event in a month, or part of one, that starts within six
    weeks, without a day ("plans to visit Japan in September" on 4 September, "in early
    April" on 25 February)? A month in past tense ("met in September") does not count, nor
    one that opens the sentence ("In January, he said ...": when it was said)."""
    for match in _MONTH_TIMEFRAME.finditer(sentence):
        if clause_tense(sentence, match.start()) == "past" or not sentence[:match.start()].strip(
                " \"'“‘("):
            continue
        month = match.group("month")
        # "next month", or the month named
        number = published.month % 12 + 1 if month is None else month_number(month)
        if number == published.month:
            return True
        part = re.search(r"(early|mid|late|the end of|end of|middle of)[- ]?\s*\w+$",
                         match.group(0).lower())
        year = published.year + (number < published.month)
        start = date(year, number, _PART_START[part.group(1)] if part else 1)
        if 0 <= (start - published).days <= NEAR_MONTH_DAYS:
            return True
    return False


_WEEKDAY_BEFORE = re.compile(rf"\b(?P<w>{_WEEKDAY}),?\s+(?:the\s+)?$", re.IGNORECASE)


def _weekday_conflict(sentence: str, mention: DateMention) -> bool:
    if mention.kind != "absolute" or mention.year_stated:
        return False
    named = _WEEKDAY_BEFORE.search(sentence[:mention.start])
    return named is not None and (
        _WEEKDAYS.index(named.group("w").lower()) != mention.first.weekday())


_WEEKDAY_DATE = re.compile(
    rf"\b(?P<w>{_WEEKDAY}),?\s+(?:the\s+)?(?:(?P<m1>{_MONTH})\s+(?P<d1>[0-3]?\d)\b"
    rf"|(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH}))(?!,?\s+(?:19|20)\d\d)",
    re.IGNORECASE)


def calendar_conflict(text: str, published: date) -> str | None:
    """A weekday named with a day it does not fall on around the publication ("Monday, Nov.
    15" in a text published in 2023): the text, or part of it, was written in another year,
    so its weekdays and "today" cannot be read against the publication date."""
    for match in _WEEKDAY_DATE.finditer(text):
        month = month_number(match.group("m1") or match.group("m2"))
        day = int(match.group("d1") or match.group("d2"))
        weekday = _WEEKDAYS.index(match.group("w").lower())
        fits = False
        for year in (published.year - 1, published.year, published.year + 1):
            try:
                fits = fits or (date(year, month, day).weekday() == weekday and abs(
                    (date(year, month, day) - published).days) < 200)
            except ValueError:
                continue
        if not fits:
            return match.group(0)
    return None


def month_number(name: str) -> int:
    """1-12 for a month name or abbreviation ("Sept." is 9)."""
    return _MONTHS.index(name.lower().rstrip(".")[:3]) + 1


def dateline_end(sentence: str) -> int:
    """Where a leading dateline or datestamp ("SEOUL, June 17 (Reuters) -") ends (0: none)."""
    match = _DATELINE.match(sentence) or _BRACKETED_DATESTAMP.match(sentence)
    return match.end() if match else 0


def dateline_day(sentence: str, base: date) -> date | None:
    """The day of a leading dateline ("SEOUL, June 18 (Yonhap) --"), in `base`'s year (or
    the year around it), without dateparser; None without one."""
    end = dateline_end(sentence)
    found = _DATELINE_DAY.search(sentence[:end]) if end else None
    if found is None:
        return None
    month, day = found.group("m1") or found.group("m2"), found.group("d1") or found.group("d2")
    for year in (base.year, base.year - 1, base.year + 1):
        try:
            candidate = date(year, month_number(month), int(re.sub(r"\D", "", day)))
        except ValueError:
            return None
        if abs((candidate - base).days) <= 2:
            return candidate
    return None


def _resolve(name: str, match: re.Match[str], sentence: str, base: date) -> DateMention | None:
    groups = match.groupdict()
    if groups.get("m1") and groups["m1"][:3] == "may" and not _capitalized(groups["m1"]):
        return None  # the verb "may", not the month
    if name == "rel":
        return _mention(match, _relative(groups["rel"].lower(), base), None, "relative")
    if name in ("wd", "wd_wd"):
        tense = weekday_tense(sentence, match.start())
        first = resolve_weekday(groups["w1"], base, tense)
        last = resolve_weekday(groups["w2"], first, "future") if groups.get("w2") else None
        return _mention(match, first, last, "weekday")
    year = groups.get("year")
    first_day = _parse_day(groups["d1"], groups["m1"], year, base)
    if first_day is None:
        return None
    last_day = None
    if groups.get("d2"):
        last_day = _parse_day(groups["d2"], groups.get("m2") or groups["m1"], year, base)
        if last_day is None or last_day < first_day:
            return None
    return _mention(match, first_day, last_day, "absolute", year_stated=year is not None)


def _mention(match: re.Match[str], first: date, last: date | None,
             kind: Literal["absolute", "weekday", "relative"],
             year_stated: bool = False) -> DateMention:
    return DateMention(match.group(0), first, last, match.start(), match.end(), kind, year_stated)


def _capitalized(text: str) -> bool:
    return text[:1].isupper()


def _parse_day(day: str, month: str, year: str | None, base: date) -> date | None:
    expression = f"{re.sub(r'(st|nd|rd|th)$', '', day)} {month.rstrip('.')} {year or ''}"
    parsed = dateparser.parse(
        expression.strip(), languages=["en"],
        settings={"RELATIVE_BASE": datetime.combine(base, datetime.min.time()),
                  "PREFER_DATES_FROM": "current_period", "REQUIRE_PARTS": ["day", "month"],
                  "DATE_ORDER": "DMY"})
    return parsed.date() if parsed is not None else None


def _relative(word: str, base: date) -> date:
    offsets = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}
    return base + timedelta(days=offsets[word])


def resolve_weekday(weekday: str, base: date, tense: Tense) -> date:
    """The `weekday` nearest `base` in the direction of `tense`; `base` itself counts.

    "on Tuesday" (future) in an article of Monday 2024-06-17 is 2024-06-18; "told reporters
    Monday" (past) in the same article is 2024-06-17."""
    target = _WEEKDAYS.index(weekday.lower())
    if tense == "future":
        return base + timedelta(days=(target - base.weekday()) % 7)
    return base - timedelta(days=(base.weekday() - target) % 7)


def weekday_tense(sentence: str, position: int) -> Tense:
    """Whether a weekday at `position` looks forward or back: the nearest tense marker before
    it in its clause decides; without one, any future marker in the sentence does."""
    tense = clause_tense(sentence, position)
    if tense is not None:
        return tense
    everywhere = set(_WORD.findall(sentence.lower()))
    return "future" if everywhere & {"will", "expected", "due", "scheduled", "set"} else "past"


_SPEECH = frozenset({
    "said", "says", "say", "told", "tells", "tell", "reported", "reports", "announced",
    "announces", "statement", "questions", "question", "reporters", "call", "called", "spoke",
    "speaking", "interview", "briefing", "remarks", "conference", "confirmed", "confirms",
    "added", "wrote", "tweeted", "informed", "posted", "stated", "disclosed", "revealed", "readout",
})
_DATE_LEAD_WORDS = frozenset({"on", "this", "last", "next", "early", "late", "earlier", "the",
                              "by", "morning", "evening", "afternoon", "night"})


def when_said(sentence: str, position: int) -> bool:
    """Is the date at `position` the day something was said ("the ministry said on Monday",
    "told reporters Monday", "in a statement Friday", "a phone call Tuesday")? The three
    words before it, past "on", "this" and the like, decide."""
    words = _WORD.findall(sentence[:position].lower())
    near = [w for w in words[-5:] if w not in _DATE_LEAD_WORDS][-3:]
    return bool(_SPEECH.intersection(near))


def clause_tense(sentence: str, position: int) -> Tense | None:
    """The nearest tense marker before `position` in its clause, if any."""
    before = sentence[:position]
    breaks = list(_CLAUSE_BREAK.finditer(before.lower()))
    clause = before[breaks[-1].end():] if breaks else before
    words = _WORD.findall(clause.lower())
    for i in range(len(words) - 1, -1, -1):
        word = words[i]
        if word in _FUTURE_WORDS or (word in _INFINITIVES and i > 0 and words[i - 1] == "to"):
            return "future"
        if word in _PAST_WORDS or (word.endswith("ed") and len(word) > 4):
            return "past"
    return None
