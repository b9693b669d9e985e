"""An activity's photo as it is kept: checked to be an image (Pillow reads and verifies it),
turned upright by its EXIF orientation, resized to fit ``ACTIVITY_PHOTO_MAX_SIDE`` pixels and
re-encoded as JPEG, with a thumbnail of ``ACTIVITY_PHOTO_THUMB_SIDE``. Re-encoding drops the
EXIF (a phone's GPS position of people's homes with it) and anything hidden in the file.

A file that is not an image, is too large, or whose pixels would exceed Pillow's
decompression-bomb limit is refused with a Chinese message before anything is written."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

NOT_AN_IMAGE = "上传的文件不是可识别的图片，请选择 JPG、PNG 等格式的照片。"
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "BMP", "MPO"}


def max_bytes() -> int:
    return settings.ACTIVITY_PHOTO_MAX_MB * 1024 * 1024


@dataclass
class Processed:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _jpeg(picture: Image.Image, side: int) -> tuple[ContentFile, int, int]:
    copy = picture.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg"), copy.width, copy.height


def process(upload) -> Processed:
    """The resized photo and its thumbnail, or ``ValidationError({"image": …})``."""
    if upload is None or not upload.size:
        raise ValidationError({"image": "请选择要上传的照片。"})
    if upload.size > max_bytes():
        raise ValidationError({"image": f"照片不能超过 {settings.ACTIVITY_PHOTO_MAX_MB} MB。"})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            probe = Image.open(upload)
            if probe.format not in ACCEPTED_FORMATS:
                raise ValidationError({"image": NOT_AN_IMAGE})
            probe.verify()  # the whole file, not only its header
            upload.seek(0)
            picture = Image.open(upload)
            picture.load()
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise ValidationError({"image": NOT_AN_IMAGE}) from None
    picture = ImageOps.exif_transpose(picture)
    if picture.mode not in ("RGB", "L"):
        background = Image.new("RGB", picture.size, (255, 255, 255))
        rgba = picture.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        picture = background
    image, width, height = _jpeg(picture, settings.ACTIVITY_PHOTO_MAX_SIDE)
    thumbnail, _, _ = _jpeg(picture, settings.ACTIVITY_PHOTO_THUMB_SIDE)
    return Processed(image=image, thumbnail=thumbnail, width=width, height=height)
