"""Photo loader: values and shapes, grey/alpha handling, clear DataErrors, shipped and course photos."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from anndl.data.images import load_rgb
from anndl.errors import DataError

COURSE = Path(os.environ.get("ANNDL_COURSE_DATA")
              or Path(__file__).resolve().parents[2].parent / "shared" / "data" / "course")


def test_png_roundtrip_scales_to_unit_interval(tmp_path):
    pixels = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3) * 4
    Image.fromarray(pixels).save(tmp_path / "x.png")
    image = load_rgb(tmp_path / "x.png")
    assert image.shape == (4, 5, 3) and image.dtype == np.float32
    assert np.allclose(image, pixels / 255.0, atol=1e-7)


def test_grey_and_alpha_images_become_rgb(tmp_path):
    grey = np.array([[0, 255], [128, 64]], dtype=np.uint8)
    Image.fromarray(grey, mode="L").save(tmp_path / "grey.png")
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[..., 0], rgba[..., 3] = 255, 10
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "rgba.png")
    assert np.allclose(load_rgb(tmp_path / "grey.png"), np.repeat(grey[..., None] / 255.0, 3, axis=2))
    assert np.allclose(load_rgb(tmp_path / "rgba.png"), [1.0, 0.0, 0.0])


def test_max_side_shrinks_keeping_aspect_ratio(tmp_path):
    Image.fromarray(np.zeros((60, 90, 3), dtype=np.uint8)).save(tmp_path / "wide.png")
    assert load_rgb(tmp_path / "wide.png", max_side=30).shape == (20, 30, 3)


def test_undecodable_file_is_a_data_error(tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"this is not a JPEG at all" * 10)
    with pytest.raises(DataError, match="broken.jpg: cannot decode as an image"):
        load_rgb(bad)
    truncated = tmp_path / "truncated.png"
    Image.fromarray(np.zeros((50, 50, 3), dtype=np.uint8)).save(tmp_path / "whole.png")
    truncated.write_bytes((tmp_path / "whole.png").read_bytes()[:60])
    with pytest.raises(DataError, match="truncated.png"):
        load_rgb(truncated)


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="nowhere.png: image file not found"):
        load_rgb(tmp_path / "nowhere.png")


def test_shipped_photos_load_by_name():
    for name in ("rocket.jpg", "coffee.jpg"):
        image = load_rgb(name)
        assert image.shape == (320, 480, 3)
        assert 0.0 <= image.min() and image.max() <= 1.0 and image.std() > 0.05


@pytest.mark.skipif(not COURSE.is_dir(), reason="course data folder absent")
def test_course_ocean_photos_load_by_path():
    day, sunset = load_rgb(COURSE / "ocean_day.jpg"), load_rgb(COURSE / "ocean_sunset.jpg")
    assert day.shape == (669, 1000, 3) and sunset.shape == (750, 1000, 3)
    # The sunset is redder than the day (the point of the colour-transfer exercise).
    assert sunset[..., 0].mean() - sunset[..., 2].mean() > day[..., 0].mean() - day[..., 2].mean()
