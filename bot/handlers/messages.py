"""Longer texts and message-building helpers shared by the wizard, /status and reminders."""

from __future__ import annotations

import html
from datetime import datetime
from typing import assert_never
from zoneinfo import ZoneInfo

from telegram import (
    Animation,
    Document,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
    PhotoSize,
    Video,
    VideoNote,
)
from telegram.error import TelegramError

from bot.context import BotContext
from bot.domain.eligibility import EligibilityWarning
from bot.domain.models import Branch, Dispute, Evidence, EvidenceKind, Money, Stage
from bot.domain.parsing import ParseError, ParseErrorCode
from bot.domain.rules import Rules
from bot.handlers.texts import branch_label, reason_label, refund_label, stage_label
from bot.i18n import Translator

# AliExpress's upload limits (seed 003): photos jpg/jpeg/bmp/gif/png up to 2 MB; video up to
# 500 MB in 3GP, MP4, MPV, MOV, RM, RMVB, AVI, MPEG, WMV, DAT, VOB, FLV.
PHOTO_TYPES = {"image/jpeg", "image/png", "image/bmp", "image/gif", "image/x-ms-bmp"}
PHOTO_EXTENSIONS = {"jpg", "jpeg", "png", "bmp", "gif"}
PHOTO_MAX_BYTES = 2 * 1024 * 1024
VIDEO_EXTENSIONS = {
    "3gp",
    "mp4",
    "mpv",
    "mov",
    "rm",
    "rmvb",
    "avi",
    "mpeg",
    "mpg",
    "wmv",
    "dat",
    "vob",
    "flv",
}
VIDEO_MAX_BYTES = 500 * 1024 * 1024
ALBUM_SIZE = 10  # Telegram's media group limit
MAX_META = 200  # file names and MIME types come from the buyer's device: keep them short


def _megabytes(t: Translator, size: int) -> str:
    return t.unit(max(1, round(size / 1024 / 1024)), "digital-megabyte", "short")


def parse_error_text(t: Translator, error: ParseError) -> str:
    """A clear sentence for each way an answer can be wrong, saying what is expected."""
    p = error.params
    code = error.code
    if code is ParseErrorCode.EMPTY:
        return t._("That message is empty. Please send the answer as text.")
    if code is ParseErrorCode.ORDER_ID_INVALID_CHARS:
        return t._(
            "An order number has digits only, e.g. <code>8123456789012345</code>. "
            "Please copy it from the order page."
        )
    if code is ParseErrorCode.ORDER_ID_TOO_SHORT:
        return t._(
            "That number is too short for an AliExpress order (they have %(min)s to "
            "%(max)s digits). Please check it on the order page.",
            min=p.get("min_length"),
            max=p.get("max_length"),
        )
    if code is ParseErrorCode.ORDER_ID_TOO_LONG:
        return t._(
            "That number is too long for an AliExpress order (they have %(min)s to "
            "%(max)s digits). Is it a tracking number? Please send the order number.",
            min=p.get("min_length"),
            max=p.get("max_length"),
        )
    if code in (ParseErrorCode.NOT_A_NUMBER, ParseErrorCode.MALFORMED_NUMBER):
        return t._(
            "I couldn't read an amount there. Send a number, e.g. <code>12.50</code> or "
            "<code>11.73 USD</code>."
        )
    if code is ParseErrorCode.UNKNOWN_CURRENCY:
        return t._(
            'I don\'t know the currency "%(token)s". Use a code such as USD, EUR or '
            "RUB, e.g. <code>11.73 USD</code>.",
            token=html.escape(str(p.get("token"))),
        )
    if code is ParseErrorCode.CONFLICTING_CURRENCIES:
        return t._("That has two different currencies. Please send one amount in one currency.")
    if code is ParseErrorCode.NOT_POSITIVE:
        return t._("The amount must be more than zero.")
    if code is ParseErrorCode.TOO_MANY_DECIMALS:
        return t._(
            "%(currency)s has at most %(decimals)s digits after the decimal point.",
            currency=p.get("currency"),
            decimals=p.get("decimals"),
        )
    if code is ParseErrorCode.DECIMALS_NOT_ALLOWED:
        return t._(
            "%(currency)s has no fractional units: please send a whole number.",
            currency=p.get("currency"),
        )
    if code is ParseErrorCode.TOO_LARGE:
        limit = p.get("max")
        return t._(
            "That amount is too large (the limit is %(max)s). Please check for an extra digit.",
            max=t.money(limit) if isinstance(limit, Money) else limit,
        )
    if code is ParseErrorCode.CURRENCY_MISMATCH:
        return t._(
            "You paid in %(expected)s; please give the refund in %(expected)s too.",
            expected=p.get("expected"),
        )
    if code is ParseErrorCode.EQUALS_PAID:
        paid = p.get("paid")
        return t._(
            "That is everything you paid (%(paid)s): a full refund.",
            paid=t.money(paid) if isinstance(paid, Money) else paid,
        )
    if code is ParseErrorCode.EXCEEDS_PAID:
        paid = p.get("paid")
        return t._(
            "A refund can't be more than you paid (%(paid)s). Please send a smaller amount.",
            paid=t.money(paid) if isinstance(paid, Money) else paid,
        )
    if code is ParseErrorCode.UNRECOGNISED:
        return t._(
            "I couldn't read that. Send a number of days, e.g. <code>23</code>, or a "
            "date, e.g. <code>15.12.2026</code> or <code>15 December</code>."
        )
    if code is ParseErrorCode.INVALID_DATE:
        return t._("There is no such date. Please check the day and month.")
    if code is ParseErrorCode.DATE_TOO_OLD:
        return t._("That date is more than a year ago. Please check the year.")
    if code is ParseErrorCode.DATE_TOO_FAR:
        return t._("That date is more than a year ahead. Please check the year.")
    if code is ParseErrorCode.DATE_IN_FUTURE:
        return t._(
            "That date is in the future. Please send a date that has already passed, "
            "or <code>today</code>."
        )
    if code is ParseErrorCode.DAYS_OUT_OF_RANGE:
        return t._(
            "The number of days must be between %(min)s and %(max)s.",
            min=p.get("min"),
            max=p.get("max"),
        )
    if code is ParseErrorCode.TEXT_TOO_SHORT:
        return t._(
            "That's a bit short: please write at least %(min)s characters.", min=p.get("min_length")
        )
    if code is ParseErrorCode.TEXT_TOO_LONG:
        return t._(
            "That's too long: at most %(max)s characters, please (you sent %(length)s).",
            max=p.get("max_length"),
            length=p.get("length"),
        )
    assert_never(code)  # mypy proves every code above has its sentence


def step_expects(t: Translator, step: str) -> str:
    """Short reminder of what a step wants, for answers of the wrong kind (a sticker, say)."""
    expected = {
        "order": t._("the order number"),
        "item": t._("a short title of the item, or press Skip"),
        "amount": t._("the amount you paid, e.g. 12.50"),
        "protection": t._("the days of protection left, or its end date"),
        "confirmed_at": t._("the date you confirmed receipt"),
        "partial": t._("the amount you ask back"),
        "description": t._("a description of the problem"),
        "opened_at": t._("the date you opened the dispute"),
        "shipped": t._("the date the seller shipped, or press Skip"),
    }
    return expected.get(step, t._("an answer to the question above"))


def eligibility_text(t: Translator, warning: EligibilityWarning, rules: Rules) -> str:
    """The warning with its advice; the receipt window is the one in `rules`."""
    window = t.duration(rules.receipt_confirmation_window)
    texts = {
        EligibilityWarning.PROTECTION_OVER: t._(
            "Buyer protection seems to be over. AliExpress may not let you open a dispute now; "
            "try anyway, and if the button is gone, contact AliExpress support from the order "
            "page."
        ),
        EligibilityWarning.PROTECTION_ENDING: t._(
            "Only a few days of protection are left. Open the dispute now, or ask the seller to "
            "extend protection first (a screenshot of that request helps later)."
        ),
        EligibilityWarning.RECEIPT_WINDOW_CLOSED: t._(
            "You confirmed receipt more than %(window)s ago, and AliExpress usually allows a "
            "dispute for %(window)s after confirmation. Try anyway, or contact AliExpress "
            "support.",
            window=window,
        ),
        EligibilityWarning.RECEIPT_WINDOW_CLOSING: t._(
            "The time to open a dispute after confirming receipt (%(window)s) ends in a few "
            "days: open the dispute now.",
            window=window,
        ),
        EligibilityWarning.SHIPPED_TOO_RECENTLY: t._(
            "The order was shipped recently; AliExpress may ask you to wait until the promised "
            "delivery time before a non-delivery dispute."
        ),
    }
    return texts[warning]


def stage_text(t: Translator, d: Dispute) -> str:
    return stage_label(t, d.stage, d.outcome)


def _row(label: str, value: str) -> str:
    return f"<b>{label}:</b> {value}"


def dispute_card(
    t: Translator, d: Dispute, tz: ZoneInfo, now: datetime, *, evidence_count: int
) -> str:
    """Every answer of a dispute, for the summary and the /status card."""
    dash = "—"
    lines = [_row(t._("Order"), f"<code>{html.escape(d.order_id)}</code>")]
    lines.append(_row(t._("Item"), html.escape(d.item_title) if d.item_title else dash))
    lines.append(_row(t._("Paid"), t.money(d.amount_paid) if d.amount_paid else dash))
    if d.protection_end is not None:
        left = d.protection_end - now
        when = t.datetime(d.protection_end, tz)
        protection = (
            t._("ends %(when)s, in %(left)s", when=when, left=t.duration(left))
            if left.total_seconds() > 0
            else t._("ended %(when)s", when=when)
        )
    else:
        protection = t._("unknown")
    lines.append(_row(t._("Buyer protection"), protection))
    lines.append(_row(t._("Received"), branch_label(t, d.branch) if d.branch else dash))
    lines.append(_row(t._("Reason"), reason_label(t, d.reason) if d.reason else dash))
    if d.branch is Branch.NOT_RECEIVED and d.shipped_at is not None:
        lines.append(_row(t._("Shipped"), t.date(d.shipped_at, tz)))
    if d.branch is Branch.RECEIVED:
        if d.receipt_confirmed and d.receipt_confirmed_at is not None:
            confirmed = t._("confirmed on %(date)s", date=t.date(d.receipt_confirmed_at, tz))
        elif d.receipt_confirmed is False:
            confirmed = t._("not confirmed")
        else:
            confirmed = dash
        lines.append(_row(t._("Receipt on AliExpress"), confirmed))
    if d.refund_option is not None:
        refund = refund_label(t, d.refund_option)
        if d.refund_option.is_partial and d.refund_amount is not None:
            refund += ": " + t.money(d.refund_amount)
        lines.append(_row(t._("Refund"), refund))
    if d.description:
        lines.append(_row(t._("Your description"), html.escape(d.description)))
    lines.append(_row(t._("Evidence"), t.ngettext("%(n)s file", "%(n)s files", evidence_count)))
    if d.stage not in (Stage.DRAFT,):
        lines.append(_row(t._("Stage"), stage_text(t, d)))
    return "\n".join(lines)


def aliexpress_instructions(
    t: Translator, d: Dispute, english: str, evidence_count: int, rules: Rules
) -> str:
    """Exactly what to pick and paste in AliExpress's own form (seeds 000 and 003)."""
    steps = [
        t._(
            "In the AliExpress app: Account → Orders → order <code>%(order)s</code> → Open "
            "dispute%(item)s.",
            order=html.escape(d.order_id),
            item=(" (" + html.escape(d.item_title) + ")") if d.item_title else "",
        ),
    ]
    if d.branch is Branch.NOT_RECEIVED:
        steps.append(t._('"Did you receive the item?": choose <b>No</b>.'))
    else:
        steps.append(t._('"Did you receive the item?": choose <b>Yes</b>.'))
    if d.reason is not None:
        steps.append(
            t._(
                "Reason: choose the one closest to <b>%(reason)s</b>.",
                reason=reason_label(t, d.reason),
            )
        )
    if d.refund_option is not None:
        if d.refund_option.needs_return:
            option = t._("<b>Return and refund</b> (you send the item back)")
        else:
            option = t._("<b>Refund only</b> (you keep the item)")
        if d.refund_option.is_partial and d.refund_amount is not None:
            amount = t._("a partial refund of <b>%(amount)s</b>", amount=t.money(d.refund_amount))
        elif d.amount_paid is not None:
            amount = t._("the full amount, <b>%(amount)s</b>", amount=t.money(d.amount_paid))
        else:
            amount = t._("the full amount")
        steps.append(
            t._("Refund: choose %(option)s and enter %(amount)s.", option=option, amount=amount)
        )
    steps.append(
        t._("Description: paste this text (the form accepts English only):")
        + "\n<code>"
        + html.escape(english)
        + "</code>"
    )
    if evidence_count:
        steps.append(
            t.ngettext(
                "Attach the %(n)s photo or video you sent me.",
                "Attach the %(n)s photos and videos you sent me.",
                evidence_count,
            )
        )
    steps.append(
        t._(
            "Press <b>Submit</b>. The seller then has %(window)s to answer.",
            window=t.duration(rules.seller_answer),
        )
    )
    numbered = "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))
    return (
        "<b>"
        + t._("How to open it on AliExpress")
        + "</b>\n"
        + numbered
        + "\n\n"
        + t._(
            "Before you submit, check the amount: you can't ask for more than you paid. "
            "When it's open, tell me so I can track the seller's deadline."
        )
    )


def opened_text(t: Translator, d: Dispute, tz: ZoneInfo, now: datetime) -> str:
    lines = [t._("Tracking order %(order)s.", order=html.escape(d.order_id))]
    if d.seller_deadline is not None:
        lines.append(
            t._(
                "The seller must answer by %(when)s (in %(left)s); if they don't, the "
                "dispute closes in your favour.",
                when=t.datetime(d.seller_deadline, tz),
                left=t.duration(d.seller_deadline - now),
            )
        )
    if d.escalation_at is not None:
        lines.append(
            t._(
                "Without an agreement it escalates to AliExpress around %(when)s.",
                when=t.datetime(d.escalation_at, tz),
            )
        )
    lines.append(t._("I'll remind you before each deadline. Record what happens from /status."))
    return "\n".join(lines)


def evidence_from_message(message: Message, dispute_id: int) -> Evidence | None:
    """What we keep of a photo/video/document: Telegram's ids and metadata, never the file.

    File names and MIME types come from the buyer's device: they are only stored (cut to a
    sane length) and compared, never used as paths or trusted for anything else.
    """
    photo = message.photo[-1] if message.photo else None
    video = message.video or message.video_note
    kind: EvidenceKind
    mime: str | None
    name: str | None = None
    if photo is not None:
        media: PhotoSize | Video | VideoNote | Animation | Document = photo
        kind, mime = EvidenceKind.PHOTO, "image/jpeg"
    elif video is not None:
        media, kind = video, EvidenceKind.VIDEO
        mime = getattr(video, "mime_type", None) or "video/mp4"
        name = getattr(video, "file_name", None)
    elif message.animation is not None:
        media, kind = message.animation, EvidenceKind.ANIMATION
        mime, name = message.animation.mime_type, message.animation.file_name
    elif message.document is not None:
        doc = message.document
        mime = (doc.mime_type or "").lower() or None
        if mime is None or not mime.startswith(("image/", "video/")):
            return None
        media, kind, name = doc, EvidenceKind.DOCUMENT, doc.file_name
    else:
        return None
    return Evidence(
        dispute_id=dispute_id,
        file_id=media.file_id,
        file_unique_id=media.file_unique_id,
        kind=kind,
        mime_type=mime[:MAX_META] if mime else None,
        file_size=media.file_size,
        file_name=name[:MAX_META] if name else None,
        caption=(message.caption or "")[:1024] or None,
        media_group_id=message.media_group_id,
    )


def _extension(name: str | None) -> str:
    return name.rsplit(".", 1)[-1].lower() if name and "." in name else ""


def evidence_warning(t: Translator, e: Evidence) -> str | None:
    """Warn where AliExpress's form would refuse the file; the file is kept either way."""
    mime = (e.mime_type or "").lower()
    size = e.file_size or 0
    is_video = e.kind is EvidenceKind.VIDEO or mime.startswith("video/")
    if is_video:
        ext = _extension(e.file_name) or mime.rsplit("/", 1)[-1]
        if e.kind is EvidenceKind.DOCUMENT and ext not in VIDEO_EXTENSIONS:
            return t._("AliExpress may not accept this video format; MP4 or MOV is safest.")
        if size > VIDEO_MAX_BYTES:
            return t._(
                "This video is %(size)s; AliExpress takes videos up to 500 MB. Trim it "
                "before uploading.",
                size=_megabytes(t, size),
            )
        return None
    if e.kind is EvidenceKind.ANIMATION:
        return None
    ext = _extension(e.file_name)
    if e.kind is EvidenceKind.DOCUMENT and mime not in PHOTO_TYPES and ext not in PHOTO_EXTENSIONS:
        return t._(
            "AliExpress accepts photos only as JPG, PNG, BMP or GIF; convert this one or "
            "take a screenshot of it before uploading."
        )
    if size > PHOTO_MAX_BYTES:
        return t._(
            "This photo is %(size)s; AliExpress takes photos up to 2 MB each. Compress "
            "it or take a screenshot of it before uploading.",
            size=_megabytes(t, size),
        )
    return None


async def send_evidence(context: BotContext, chat_id: int, items: list[Evidence]) -> None:
    """Re-send saved evidence as albums of at most 10, by file id (nothing is downloaded)."""
    t = context.t
    groupable = [e for e in items if e.kind in (EvidenceKind.PHOTO, EvidenceKind.VIDEO)]
    singles = [e for e in items if e not in groupable]
    if not items:
        await context.bot.send_message(chat_id, t._("There is no evidence saved yet."))
        return
    try:
        for start in range(0, len(groupable), ALBUM_SIZE):
            chunk = groupable[start : start + ALBUM_SIZE]
            if len(chunk) == 1:
                e = chunk[0]
                if e.kind is EvidenceKind.PHOTO:
                    await context.bot.send_photo(chat_id, e.file_id)
                else:
                    await context.bot.send_video(chat_id, e.file_id)
                continue
            media = [
                InputMediaPhoto(e.file_id)
                if e.kind is EvidenceKind.PHOTO
                else InputMediaVideo(e.file_id)
                for e in chunk
            ]
            await context.bot.send_media_group(chat_id, media)
        for e in singles:
            if e.kind is EvidenceKind.ANIMATION:
                await context.bot.send_animation(chat_id, e.file_id)
            else:
                await context.bot.send_document(chat_id, e.file_id)
    except TelegramError:
        await context.bot.send_message(
            chat_id,
            t._(
                "Telegram could not re-send some of the files; they may have expired. Please "
                "keep your originals on your phone."
            ),
        )
