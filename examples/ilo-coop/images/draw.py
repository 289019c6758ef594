"""Draws the sample pictures of stories.toml: flat illustrations, a few KB each.

Run with any Python that has Pillow (`pip install pillow`; feedletter itself does not
need it): `python draw.py` rewrites the files beside this script."""

from pathlib import Path

from PIL import Image, ImageDraw

SIZE = (480, 270)
HERE = Path(__file__).resolve().parent


def canvas(sky: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", SIZE, sky)
    return image, ImageDraw.Draw(image)


def bakery() -> Image.Image:
    image, draw = canvas("#f6e7c8")
    draw.rectangle((0, 200, 480, 270), fill="#8a5a3c")
    draw.rounded_rectangle((150, 70, 330, 200), 30, fill="#b5523b")
    draw.ellipse((190, 110, 290, 190), fill="#2b1d16")
    draw.ellipse((205, 150, 275, 185), fill="#f2a541")
    for x in (60, 380):
        draw.ellipse((x, 165, x + 70, 205), fill="#d9a05b")
        draw.line((x + 15, 180, x + 55, 180), fill="#a8713a", width=4)
    return image


def harvest() -> Image.Image:
    image, draw = canvas("#bfe3f2")
    draw.ellipse((360, 25, 430, 95), fill="#ffd23f")
    draw.polygon(((0, 170), (160, 120), (330, 160), (480, 110), (480, 270), (0, 270)), fill="#7fb069")
    for row in range(6):
        y = 185 + row * 14
        draw.line((20 + row * 10, y, 460 - row * 10, y), fill="#e6aa68", width=6)
    return image


def fishing() -> Image.Image:
    image, draw = canvas("#ffd6a5")
    draw.ellipse((200, 40, 280, 120), fill="#ff8c42")
    draw.rectangle((0, 160, 480, 270), fill="#1b4965")
    for y in (185, 215, 245):
        draw.arc((40, y - 10, 440, y + 10), 0, 180, fill="#5fa8d3", width=3)
    draw.polygon(((140, 150), (340, 150), (310, 185), (170, 185)), fill="#6b2d1e")
    draw.line((240, 150, 240, 60), fill="#3d2314", width=5)
    draw.polygon(((244, 65), (244, 140), (310, 140)), fill="#f4f1de")
    return image


def weaving() -> Image.Image:
    image, draw = canvas("#fdf0d5")
    colours = ("#c1121f", "#003049", "#f4a261", "#2a9d8f", "#780000")
    for index, x in enumerate(range(40, 440, 40)):
        draw.rectangle((x, 40, x + 24, 230), fill=colours[index % len(colours)])
    for index, y in enumerate(range(50, 230, 30)):
        draw.rectangle((30, y, 450, y + 10), fill=colours[(index + 2) % len(colours)])
    return image


def solar() -> Image.Image:
    image, draw = canvas("#caf0f8")
    draw.ellipse((40, 30, 110, 100), fill="#ffb703")
    draw.rectangle((0, 215, 480, 270), fill="#95d5b2")
    for x in (150, 300):
        draw.polygon(((x, 200), (x + 120, 200), (x + 100, 130), (x + 20, 130)), fill="#023e8a")
        for step in range(1, 4):
            draw.line((x + 20 - step * 0 + step * 5, 130 + step * 17, x + 100 + step * 5, 130 + step * 17), fill="#90e0ef", width=2)
        draw.line((x + 60, 200, x + 60, 215), fill="#495057", width=6)
    return image


def housing() -> Image.Image:
    image, draw = canvas("#e9ecef")
    draw.rectangle((0, 220, 480, 270), fill="#6c757d")
    for index, x in enumerate((40, 180, 320)):
        height = 90 + index * 25
        draw.rectangle((x, 220 - height, x + 120, 220), fill=("#e76f51", "#2a9d8f", "#e9c46a")[index])
        for wy in range(220 - height + 15, 205, 30):
            for wx in (x + 15, x + 50, x + 85):
                draw.rectangle((wx, wy, wx + 20, wy + 16), fill="#fefae0")
    return image


if __name__ == "__main__":
    for name, draw_it in (("bakery", bakery), ("harvest", harvest), ("fishing", fishing), ("weaving", weaving),
                          ("solar", solar), ("housing", housing)):
        picture = draw_it()
        if name == "harvest":
            picture.save(HERE / f"{name}.jpg", quality=70, optimize=True)
        else:
            picture.quantize(16).save(HERE / f"{name}.png", optimize=True)
