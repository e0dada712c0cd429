"""Evidence: what to photograph for each reason, what AliExpress's form would refuse, and how
the wizard acknowledges files (one acknowledgement per album)."""

from __future__ import annotations

from enum import StrEnum

from babel.lists import format_list

from bot.domain.models import Evidence, EvidenceKind, EvidenceSummary, Reason
from bot.domain.rules import UPLOAD_LIMITS, UploadLimits
from bot.i18n import Translator
from bot.views.labels import Gettext, Labels, Table


def megabytes(t: Translator, size: int) -> str:
    return t.unit(max(1, round(size / 1024 / 1024)), "digital-megabyte", "short")


def _checklists(_: Gettext) -> dict[Reason | None, list[str]]:
    """What wins each kind of dispute, from the guides (the handbook on reasons and evidence,
    the not-received guide, the short what-is-a-dispute guide)."""
    unboxing = _("an unboxing video, if you have one")
    label = _("the parcel label with the tracking number and your address")
    closeups = _("close-ups of the problem from several angles")
    listing = _("a screenshot of the listing showing what was promised")
    tracking = _("a screenshot of the tracking page (AliExpress or a tracking site)")
    protection = _("a screenshot of the order page with the protection timer")
    return {
        None: [closeups],
        Reason.IN_TRANSIT: [
            tracking,
            protection,
            _("a screenshot of your message asking the seller to extend protection, if you did"),
        ],
        Reason.NO_TRACKING: [tracking, _("your messages asking the seller about it")],
        Reason.RETURNED_TO_SELLER: [tracking],
        Reason.CUSTOMS: [
            tracking,
            _("any notice from customs or the post office"),
            _(
                "if the seller promised to pay the customs fees: a screenshot of that message "
                "or of the listing saying so"
            ),
        ],
        Reason.WRONG_ADDRESS: [
            tracking,
            _("a map or screenshot showing the delivery city is not yours"),
        ],
        Reason.FAKE_TRACKING: [tracking, _("the seller's messages asking you to confirm")],
        Reason.OTHER_NOT_RECEIVED: [tracking],
        Reason.NOT_AS_DESCRIBED: [
            _(
                "a screenshot of the listing's description: what its text promises counts for "
                "more than its photos"
            ),
            closeups,
            _("for a wrong size: the item next to a ruler, and the size label"),
        ],
        Reason.QUALITY: [
            closeups,
            _(
                "for a device that does not work: a video of it not powering on, next to "
                "another device charging from the same socket"
            ),
        ],
        Reason.DAMAGED: [unboxing, closeups, label],
        Reason.MISSING_PARTS: [unboxing, _("everything that came, laid out together"), listing],
        Reason.WRONG_ITEM: [unboxing, _("the item you received"), listing, label],
        Reason.EMPTY_PARCEL: [unboxing, _("the empty package"), label],
        Reason.COUNTERFEIT: [listing, closeups, _("logos, labels and serial numbers")],
        Reason.CHEAPER_SHIPPING: [label, _("the order page showing the shipping you paid for")],
        Reason.OTHER_RECEIVED: [closeups, listing],
    }


_CHECKLISTS: Table[Reason | None, list[str]] = Table(_checklists)


def evidence_checklist(t: Translator, reason: Reason | None) -> list[str]:
    """What helps most for this reason (close-ups when the reason is not known)."""
    return list(_CHECKLISTS(t, reason))


def upload_rules(t: Translator, limits: UploadLimits = UPLOAD_LIMITS) -> str:
    return t._(
        "AliExpress accepts photos as JPG, PNG, BMP or GIF up to %(photo)s each, and videos "
        "up to %(video)s. When you're done, press Done.",
        photo=megabytes(t, limits.photo_max_bytes),
        video=megabytes(t, limits.video_max_bytes),
    )


def _extension(name: str | None) -> str:
    return name.rsplit(".", 1)[-1].lower() if name and "." in name else ""


class FileProblem(StrEnum):
    """Why AliExpress's form would refuse a file the buyer sent (the bot keeps it anyway)."""

    VIDEO_FORMAT = "video_format"
    VIDEO_TOO_LARGE = "video_size"
    PHOTO_FORMAT = "photo_format"
    PHOTO_TOO_LARGE = "photo_size"


def file_problem(e: Evidence, limits: UploadLimits = UPLOAD_LIMITS) -> FileProblem | None:
    mime = (e.mime_type or "").lower()
    size = e.file_size or 0
    document = e.kind is EvidenceKind.DOCUMENT
    if e.kind is EvidenceKind.VIDEO or mime.startswith("video/"):
        ext = _extension(e.file_name) or mime.rsplit("/", 1)[-1]
        if document and ext not in limits.video_extensions:
            return FileProblem.VIDEO_FORMAT
        return FileProblem.VIDEO_TOO_LARGE if size > limits.video_max_bytes else None
    if e.kind is EvidenceKind.ANIMATION:
        return None
    ext = _extension(e.file_name)
    if document and mime not in limits.photo_types and ext not in limits.photo_extensions:
        return FileProblem.PHOTO_FORMAT
    return FileProblem.PHOTO_TOO_LARGE if size > limits.photo_max_bytes else None


_PROBLEMS: Labels[FileProblem] = Table(
    lambda _: {
        FileProblem.VIDEO_FORMAT: _(
            "AliExpress may not accept this video format; MP4 or MOV is safest."
        ),
        FileProblem.VIDEO_TOO_LARGE: _(
            "This video is %(size)s; AliExpress takes videos up to %(max)s. Trim it "
            "before uploading."
        ),
        FileProblem.PHOTO_FORMAT: _(
            "AliExpress accepts photos only as JPG, PNG, BMP or GIF; convert this one or "
            "take a screenshot of it before uploading."
        ),
        FileProblem.PHOTO_TOO_LARGE: _(
            "This photo is %(size)s; AliExpress takes photos up to %(max)s each. Compress "
            "it or take a screenshot of it before uploading."
        ),
    }
)


def evidence_warning(
    t: Translator, e: Evidence, limits: UploadLimits = UPLOAD_LIMITS
) -> str | None:
    """Warn where AliExpress's form would refuse the file; the file is kept either way."""
    problem = file_problem(e, limits)
    if problem is None:
        return None
    limit = (
        limits.video_max_bytes if problem is FileProblem.VIDEO_TOO_LARGE else limits.photo_max_bytes
    )
    return _PROBLEMS(t, problem) % {
        "size": megabytes(t, e.file_size or 0),
        "max": megabytes(t, limit),
    }


def saved_text(
    t: Translator, item: Evidence, *, added: bool, count: int, warning: str | None
) -> str:
    """The acknowledgement of one file (or of an album, for its first item)."""
    if not added:
        text = t._("I already have this file; I've kept just one copy.")
    elif item.media_group_id:
        text = t._("Got your album; I'm saving every photo and video in it.")
    else:
        text = t.ngettext("Saved. %(n)s file so far.", "Saved. %(n)s files so far.", count)
    if warning:
        text += "\n⚠️ " + warning
    return text + "\n" + t._("Send more, or press Done.")


def only_media_text(t: Translator) -> str:
    return t._(
        "I can only keep photos and videos as evidence. Send a photo or video, or press Done."
    )


def too_many_text(t: Translator, limits: UploadLimits = UPLOAD_LIMITS) -> str:
    return t._(
        "That's %(max)s files already, more than AliExpress's form will take. Press "
        "Done to continue.",
        max=limits.max_evidence,
    )


def need_visual_text(t: Translator) -> str:
    return t._(
        "For an item you received, AliExpress decides on photos and videos: send at least "
        "one before pressing Done."
    )


def files_count(t: Translator, n: int) -> str:
    """The number of files ("3 files"), or "none" for a case without any ("Evidence: none")."""
    if n == 0:
        return t._("none")
    return t.ngettext("%(n)s file", "%(n)s files", n)


def kinds_count(t: Translator, evidence: EvidenceSummary) -> str:
    """What the case holds, by kind and only the kinds it has: "2 photos and 1 video"."""
    counted = (
        (evidence.photos, t.ngettext("%(n)s photo", "%(n)s photos", evidence.photos)),
        (evidence.videos, t.ngettext("%(n)s video", "%(n)s videos", evidence.videos)),
        (
            evidence.screenshots,
            t.ngettext("%(n)s screenshot", "%(n)s screenshots", evidence.screenshots),
        ),
        (evidence.files, files_count(t, evidence.files)),
    )
    parts = [text for n, text in counted if n]
    return str(format_list(parts, locale=t.locale)) if parts else files_count(t, 0)


__all__ = [
    "evidence_checklist",
    "evidence_warning",
    "files_count",
    "kinds_count",
    "megabytes",
    "need_visual_text",
    "only_media_text",
    "saved_text",
    "too_many_text",
    "upload_rules",
]
