"""Evidence between Telegram and the case: what is kept of a photo or video the buyer sends
(Telegram's ids and metadata, never the file), and sending it back as albums."""

from __future__ import annotations

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
from bot.domain.models import Evidence, EvidenceKind

ALBUM_SIZE = 10  # Telegram's media group limit
MAX_META = 200  # file names and MIME types come from the buyer's device: keep them short


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
