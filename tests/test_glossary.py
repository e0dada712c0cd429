"""Issue 14 §4: the Russian catalog holds to docs/glossary.md.

The glossary's tables are read as data: the "not" column of "Terms" lists variants the Russian
never uses, "Labels" what a message naming a button or a form field must call it in Russian.
Besides: a button quoted in a message is quoted by its own Russian label, no ISO date and no
gendered "(а)" ending in Russian, and an answer of the wrong kind gets whole sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.domain.draft import StepId
from bot.i18n import Translator
from bot.views import wizard
from tests.harness import Buyer, Harness
from tests.test_wizard import ORDER

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
RUSSIAN = ROOT / "locales" / "ru" / "LC_MESSAGES" / "messages.po"

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
GENDERED = re.compile(r"\((?:а|-ась|-на|-а)\)")
# A quoted button or label: “...”, "...", «...».
QUOTED = re.compile(r"“([^”]+)”|\"([^\"]+)\"|«([^»]+)»")


@dataclass(frozen=True)
class Message:
    english: str
    russian: tuple[str, ...]  # one form, or Russian's three plural forms

    @property
    def text(self) -> str:
        return "\n".join(self.russian)


@cache
def catalog() -> tuple[Message, ...]:
    with RUSSIAN.open("rb") as f:
        po = read_po(f)
    out = []
    for m in po:
        if not m.id:
            continue
        english = m.id[0] + "\n" + m.id[1] if isinstance(m.id, tuple) else m.id
        russian = tuple(m.string) if isinstance(m.string, tuple) else (m.string,)
        out.append(Message(english, russian))
    return tuple(out)


def _table(title: str) -> list[list[str]]:
    """The rows of the glossary's table under `## title` (its header and rule left out)."""
    text = GLOSSARY.read_text("utf-8")
    section = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def pattern(entry: str) -> re.Pattern[str]:
    """A glossary entry as a regular expression: whole words, `*` any ending, any spacing."""
    words = []
    for word in entry.split():
        stem = re.escape(word.rstrip("*"))
        words.append(stem + (r"[\w]*" if word.endswith("*") else ""))
    return re.compile(r"(?<![\w-])" + r"\s+".join(words) + r"(?![\w-])", re.IGNORECASE)


def entries(cell: str) -> list[str]:
    return [e.strip() for e in cell.split(",") if e.strip()]


@cache
def forbidden() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Every "not" variant of the glossary's terms, with the term it is not."""
    found = []
    for english, _russian, not_, _where in _table("Terms"):
        found += [(f"{variant} (for {english})", pattern(variant)) for variant in entries(not_)]
    return tuple(found)


def english_label(entry: str) -> re.Pattern[str]:
    """An English label: a capitalised one (a button's name) only as written, a lower-case one
    (a term) in any case; it starts a word and may go on ("escalat": escalated, escalation)."""
    flags = 0 if entry[0].isupper() else re.IGNORECASE
    return re.compile(r"(?<![\w-])" + re.escape(entry), flags)


@cache
def labels() -> tuple[tuple[re.Pattern[str], str, re.Pattern[str]], ...]:
    """(the English label, the Russian to use, its pattern) for every row of "Labels"."""
    return tuple(
        (english_label(english), russian, pattern(russian)) for english, russian in _table("Labels")
    )


def test_the_glossary_tables_are_read() -> None:
    """The tables parse as the test expects (a glossary edit that breaks them fails here)."""
    assert len(forbidden()) >= 40
    assert any("эскалац" in name for name, _ in forbidden())
    assert len(labels()) >= 10
    assert pattern("трек").search("трек-номер") is None
    assert pattern("трек").search("по треку") is None
    assert pattern("трек").search("нет трека") is None
    assert pattern("трек*").search("нет трека") is not None
    assert pattern("эскалац*").search("Перед эскалацией проверьте") is not None
    assert pattern("передан* в AliExpress").search("Спор передан в AliExpress") is not None
    assert english_label("Confirm receipt").search("I will not confirm receipt") is None
    assert english_label("escalat").search("Escalated to AliExpress") is not None


def test_no_variant_the_glossary_forbids() -> None:
    found = [
        f"{name}: {m.english[:60]!r} -> {hit.group(0)!r}"
        for m in catalog()
        for name, rx in forbidden()
        if (hit := rx.search(m.text))
    ]
    assert not found, "\n".join(found)


def test_labels_are_called_as_the_glossary_says() -> None:
    found = [
        f"{russian!r} missing: {m.english[:70]!r} -> {m.text[:70]!r}"
        for m in catalog()
        for english, russian, rx in labels()
        if english.search(m.english) and any(not rx.search(form) for form in m.russian)
    ]
    assert not found, "\n".join(found)


def test_a_quoted_button_is_quoted_by_its_own_russian_label() -> None:
    """“Update the stage” in a sentence is «Отметить, что произошло», as on the button."""
    translations = {m.english: m.russian[0] for m in catalog() if len(m.russian) == 1}
    found = []
    for m in catalog():
        for match in QUOTED.finditer(m.english):
            quoted = next(g for g in match.groups() if g is not None)
            label = translations.get(quoted)
            if label is not None and f"«{label}»" not in m.text:
                found.append(f"{quoted!r} -> «{label}» missing in {m.text[:80]!r}")
    assert not found, "\n".join(found)


def test_no_english_phrasing_the_glossary_avoids() -> None:
    avoid = [row[0] for row in _table("English phrasings")]
    assert len(avoid) >= 4
    found = [
        f"{phrase!r}: {m.english!r}"
        for m in catalog()
        for phrase in avoid
        if english_label(phrase).search(m.english)
    ]
    assert not found, "\n".join(found)


def test_no_iso_date_in_russian() -> None:
    found = [m.text for m in catalog() if ISO_DATE.search(m.text)]
    assert not found, "\n".join(found)


def test_no_gendered_endings_in_russian() -> None:
    found = [f"{m.english!r} -> {m.text!r}" for m in catalog() if GENDERED.search(m.text)]
    assert not found, "\n".join(found)


def test_full_and_partial_refunds_are_refunds_of_money() -> None:
    """«полный возврат» alone (a label, a question) is «полный возврат денег» (the glossary:
    the amount field of the form asks for money)."""
    bare = re.compile(r"(?<![\w-])(?:полный|частичный)\s+возврат(?!\s+денег)", re.IGNORECASE)
    found = [m.text for m in catalog() if bare.search(m.text)]
    assert not found, "\n".join(found)


# --- what the bot says, in context ---------------------------------------------------------------
TYPED_STEPS = (
    StepId.ORDER,
    StepId.ITEM,
    StepId.AMOUNT,
    StepId.PROTECTION,
    StepId.CONFIRMED_AT,
    StepId.PARTIAL,
    StepId.DESCRIPTION,
    StepId.OPENED_AT,
    StepId.SHIPPED,
    StepId.TIMER,
    StepId.SELLER_MESSAGE,
    StepId.OFFER_KEEP_AMOUNT,
    StepId.F_ORDERED_COUNT,
    StepId.F_TRACKING_DATE,
    StepId.F_LISTED,
    StepId.EVIDENCE,  # a step without a sentence of its own: the generic one
)


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("buttons", [False, True])
def test_an_answer_of_the_wrong_kind_gets_whole_sentences(language: str, buttons: bool) -> None:
    """Not "Ответьте текстовым сообщением: короткое название товара или нажмите «Пропустить»"
    (a fragment in one case glued into a sentence wanting another): each step's own sentence,
    and the buttons in a sentence of their own."""
    t = Translator(language)
    for step in TYPED_STEPS:
        text = wizard.expects(t, step, text=True, buttons=buttons)
        plain = re.sub(r"<code>.*?</code>", "X", text).replace("e.g.", "eg")
        sentences = [s for s in re.split(r"(?<=[.?!])\s+", plain) if s]
        assert all(s[0].isupper() for s in sentences), (step, text)
        assert text.endswith((".", "?", "!")) and "%(" not in text, (step, text)
        assert ": " not in plain, (step, text)
        assert ("buttons" in text or "кнопк" in text) is buttons, (step, text)


async def test_a_russian_walk_shows_no_iso_date(bot: Harness) -> None:
    """Dates the buyer gave (confirmed receipt, wrote to the seller, tracking) and the
    deadlines come back in Babel's Russian form on the summary, the card and /status."""
    buyer = bot.buyer(61, language_code="ru")
    seen = await _received_case_in_russian(buyer)
    seen += [s.text for s in await buyer.say(f"/status {ORDER}")]
    seen += [s.text for s in await buyer.say("/status")]
    outside_code = [re.sub(r"<code>.*?</code>", "", text, flags=re.DOTALL) for text in seen]
    assert [text for text in outside_code if ISO_DATE.search(text)] == []
    assert any("ноября 2026" in text for text in seen)


async def _received_case_in_russian(buyer: Buyer) -> list[str]:
    seen = []
    for kind, value in (
        ("say", "/new"),
        ("say", ORDER),
        ("say", "Лампа"),
        ("say", "990 ₽"),
        ("say", "15.12.2026"),
        ("press", "Да, товар у меня"),
        ("press", "Повреждён при доставке"),
        ("press", "Да, подтверждено"),
        ("say", "20.11.2026"),
        ("press", "Оставить товар, полный возврат денег"),
        ("say", "Лампа пришла с треснувшим плафоном."),
        ("say", "shade"),
        ("press", "Смятая"),
        ("press", "Да"),
        ("say", "18.11.2026"),
        ("press", "Отказал"),
        ("say", "Desk lamp"),  # the English title
        ("photo", "lamp-1"),
        ("press", "Готово"),
        ("press", "Подтвердить"),
        ("press", "Открыт на AliExpress сегодня"),
    ):
        if kind == "say":
            replies = await buyer.say(value)
        elif kind == "press":
            replies = await buyer.press(value)
        else:
            replies = await buyer.photo(value)
        seen += [s.text for s in replies]
    return seen
