"""Draw the two Teams icons (the PNGs are committed): `python -m manifests.draw_icons`.

color.png: 192x192, a full-bleed tile in the accent colour with a white shield and tick.
outline.png: 32x32, the same shield in white on a transparent background.
"""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
ACCENT = (0x1B, 0x5E, 0x7A, 255)
WHITE = (255, 255, 255, 255)


def _shield(size: int, inset: float) -> list[tuple[float, float]]:
    """A heater shield: flat top, straight sides, curving to a point at the bottom."""
    left, right = size * inset, size * (1 - inset)
    top, shoulder, tip = size * inset, size * 0.5, size * (1 - inset * 0.7)
    middle = size / 2
    points = [(left, top), (right, top), (right, shoulder)]
    steps = 12
    for i in range(1, steps + 1):  # right side down to the tip, then the left side up
        t = i / steps
        points.append((right - (right - middle) * t**2, shoulder + (tip - shoulder) * t))
    for i in range(steps - 1, -1, -1):
        t = i / steps
        points.append((left + (middle - left) * t**2, shoulder + (tip - shoulder) * t))
    return points


def draw_color(size: int = 192) -> Image.Image:
    image = Image.new("RGBA", (size, size), ACCENT)
    pen = ImageDraw.Draw(image)
    pen.polygon(_shield(size, 0.22), fill=WHITE)
    tick = [(size * 0.36, size * 0.47), (size * 0.46, size * 0.58), (size * 0.65, size * 0.36)]
    pen.line(tick, fill=ACCENT, width=max(2, size // 14), joint="curve")
    return image


def draw_outline(size: int = 32) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.polygon(_shield(size, 0.12), outline=WHITE, width=2)
    tick = [(size * 0.34, size * 0.46), (size * 0.46, size * 0.6), (size * 0.68, size * 0.34)]
    pen.line(tick, fill=WHITE, width=2)
    return image


if __name__ == "__main__":
    draw_color().save(HERE / "color.png")
    draw_outline().save(HERE / "outline.png")
    print("wrote", HERE / "color.png", "and", HERE / "outline.png")
