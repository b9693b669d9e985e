"""activities.photos: a photo is resized with its thumbnail and stripped of EXIF; a file that is
not an image is refused with a Chinese message and nothing is written; photos are served only
through the scoped view."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from activities import actions
from activities.models import Photo
from activities.photos import NOT_AN_IMAGE
from grid.models import Role
from tests.factories_activities import image_bytes, make_activity, photo_upload


def _files() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "activities"
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_a_photo_is_resized_and_gets_a_thumbnail(tree):
    activity = make_activity(tree.grid)
    large = photo_upload(content=image_bytes((2400, 1800)))
    photo = actions.photo_add(by=None, activity=activity, upload=large, caption="合影")
    assert (photo.width, photo.height) == (settings.ACTIVITY_PHOTO_MAX_SIDE, 1200)
    with photo.image.open("rb") as handle:
        kept = Image.open(handle)
        assert kept.format == "JPEG" and max(kept.size) == settings.ACTIVITY_PHOTO_MAX_SIDE
    with photo.thumbnail.open("rb") as handle:
        thumb = Image.open(handle)
        assert max(thumb.size) == settings.ACTIVITY_PHOTO_THUMB_SIDE
    assert photo.image.name.startswith("activities/photos/") and "合影" not in photo.image.name


def test_a_small_png_with_transparency_is_kept_at_its_size_as_jpeg(tree):
    out = io.BytesIO()
    Image.new("RGBA", (200, 100), (0, 0, 255, 128)).save(out, format="PNG")
    photo = actions.photo_add(
        by=None, activity=make_activity(tree.grid), upload=photo_upload("a.png", out.getvalue())
    )
    assert (photo.width, photo.height) == (200, 100)


def test_exif_is_not_kept(tree):
    picture = Image.new("RGB", (400, 300))
    exif = picture.getexif()
    exif[0x010F] = "PhoneMaker"  # Make
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif)
    photo = actions.photo_add(
        by=None, activity=make_activity(tree.grid), upload=photo_upload(content=out.getvalue())
    )
    with photo.image.open("rb") as handle:
        assert dict(Image.open(handle).getexif()) == {}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("恶意.jpg", b"<?php echo 'x'; ?>"),
        ("文档.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
        ("截断.jpg", image_bytes((800, 600))[:300]),
        ("空.jpg", b""),
    ],
)
def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_written(tree, name, content):
    activity = make_activity(tree.grid)
    before = _files()
    with pytest.raises(ValidationError) as refused:
        actions.photo_add(by=None, activity=activity, upload=photo_upload(name, content))
    assert refused.value.message_dict["image"][0] in (NOT_AN_IMAGE, "请选择要上传的照片。")
    assert Photo.objects.count() == 0
    assert _files() == before


def test_the_upload_page_refuses_a_non_image_in_chinese(client, tree, persona):
    activity = make_activity(tree.grid)
    client.force_login(persona(Role.STAFF))
    before = _files()
    response = client.post(
        reverse("activities:photo_upload", args=[activity.pk]),
        {"image": photo_upload("病毒.jpg", b"MZ\x90\x00not an image"), "caption": ""},
    )
    assert response.status_code == 200
    assert NOT_AN_IMAGE in response.content.decode()
    assert Photo.objects.count() == 0 and _files() == before


def test_photos_are_served_only_through_the_scoped_view(client, tree, persona):
    activity = make_activity(tree.grid)
    photo = actions.photo_add(by=None, activity=activity, upload=photo_upload())
    client.force_login(persona(Role.GRID_WORKER))
    response = client.get(reverse("activities:photo_thumbnail", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    # Not public media: the media URL is not routed.
    assert client.get("/" + settings.MEDIA_URL + photo.image.name).status_code == 404
    other = make_activity(tree.grid2)
    hidden = actions.photo_add(by=None, activity=other, upload=photo_upload())
    assert client.get(reverse("activities:photo_image", args=[hidden.pk])).status_code == 404


def test_deleting_a_photo_removes_its_files(tree, persona, django_capture_on_commit_callbacks):
    photo = actions.photo_add(by=None, activity=make_activity(tree.grid), upload=photo_upload())
    paths = [photo.image.path, photo.thumbnail.path]
    with django_capture_on_commit_callbacks(execute=True):
        actions.photo_delete(by=persona(Role.STAFF), photo=photo)
    assert not any(os.path.exists(path) for path in paths)
