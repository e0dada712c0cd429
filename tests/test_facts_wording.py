"""What the bot says around the fact questions, in both languages, and the catalogs behind the
claim: every message id translated, placeholders kept, Russian plural forms right."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from bot.domain.catalog import ENGLISH, Catalog
from bot.domain.facts import AnswerError, AnswerErrorCode, FactField, field_spec
from bot.domain.facts.wording import answer_error_text, choice_label, field_label, prompt
from bot.i18n import translations

ROOT = Path(__file__).resolve().parent.parent
RU_PO = ROOT / "locales" / "ru" / "LC_MESSAGES" / "messages.po"
SOURCES = [
    ROOT / "bot" / "domain" / name for name in ("claim.py", "claim_facts.py", "facts/wording.py")
]
CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")
CATALOGS: dict[str, Catalog] = {"en": ENGLISH, "ru": translations("ru")}
ERRORS = [
    AnswerError(AnswerErrorCode.CHOOSE_A_BUTTON),
    AnswerError(AnswerErrorCode.NOT_A_COUNT),
    AnswerError(AnswerErrorCode.COUNT_TOO_LARGE, max=9999),
    AnswerError(AnswerErrorCode.RECEIVED_NOT_FEWER, ordered=3, received=3),
    AnswerError(AnswerErrorCode.NOT_A_DATE),
    AnswerError(AnswerErrorCode.TRACKING_MALFORMED),
    AnswerError(AnswerErrorCode.TRACKING_LENGTH, min_length=8, max_length=30, length=5),
    AnswerError(AnswerErrorCode.TRACKING_IS_ORDER_ID),
    AnswerError(AnswerErrorCode.NOT_ENGLISH),
    AnswerError(AnswerErrorCode.LINK_NOT_TITLE),
]


def _texts(cat: Catalog) -> list[str]:
    texts = [prompt(f, cat) for f in FactField] + [field_label(f, cat) for f in FactField]
    texts += [choice_label(c, cat) for f in FactField for c in field_spec(f).choices]
    return texts + [answer_error_text(e, cat) for e in ERRORS]


def test_every_code_has_an_error_text() -> None:
    assert {e.code for e in ERRORS} == set(AnswerErrorCode)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_prompt_label_button_and_error_exists(language: str) -> None:
    for text in _texts(CATALOGS[language]):
        assert text.strip() and "%(" not in text, text
        assert bool(CYRILLIC.search(text)) == (language == "ru"), text


def test_error_texts_carry_their_numbers() -> None:
    ru = CATALOGS["ru"]
    assert answer_error_text(ERRORS[6]) == (
        "A tracking number has 8 to 30 characters; that one has 5. Please check it."
    )
    assert answer_error_text(ERRORS[6], ru) == (
        "В трек-номере от 8 до 30 символов, а в этом — 5. Проверьте его."
    )
    assert answer_error_text(ERRORS[3], ru).startswith("Заказано: 3, получено: 3.")


def test_the_title_prompt_and_refusal_say_the_bot_never_transliterates() -> None:
    assert "never transliterate" in prompt(FactField.ENGLISH_TITLE)
    assert "never transliterate" in answer_error_text(ERRORS[8])
    assert "латиницей" in prompt(FactField.ENGLISH_TITLE, CATALOGS["ru"])
    assert "латиницей" in answer_error_text(ERRORS[8], CATALOGS["ru"])


def test_buttons_are_short() -> None:
    """Two or three buttons to a row on a phone: labels stay short in both languages."""
    for cat in CATALOGS.values():
        for field in FactField:
            for choice in field_spec(field).choices:
                assert len(choice_label(choice, cat)) <= 28, choice_label(choice, cat)


def _msgids() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for path in SOURCES:
        for _, message, _, _ in extract_from_file("python", str(path)):
            found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def test_every_claim_and_fact_message_is_translated_with_its_placeholders() -> None:
    with RU_PO.open("rb") as f:
        catalog = read_po(f, locale="ru")
    placeholder = re.compile(r"%\(\w+\)s")
    used = _msgids()
    assert len(used) > 150
    for message_id in used:
        entry = catalog.get(message_id if isinstance(message_id, str) else message_id[0])
        assert entry is not None, message_id
        ids = (message_id,) if isinstance(message_id, str) else message_id
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings), message_id
        wanted = sorted(placeholder.findall(ids[-1]))
        for translated in strings:
            assert sorted(placeholder.findall(translated)) == wanted, message_id
            assert CYRILLIC.search(translated), message_id
