"""Regenerate the notifier's Latin + Vietnamese DejaVu subsets (`fonts/*-vi.ttf`).

The declaration copy embeds these small fonts whole, so no render has to subset the 700 KB
originals; text with a character outside them falls back to the originals (see `pdf_fonts`).
Run after changing `COVERED` or the DejaVu files: `.venv/bin/python scripts/subset_pdf_fonts.py`.
"""

from fontTools import subset

from vssid_notifier.adapters.pdf_fonts import (
    STYLES,
    covered_codepoints,
    full_font_path,
    subset_path,
)

# The tables fpdf2 drops when it subsets: the PDF viewer needs outlines, metrics and cmap only.
DROP = ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "kern"]


def main() -> None:
    options = subset.Options()
    options.notdef_outline = True
    options.recommended_glyphs = True
    options.drop_tables += DROP
    options.layout_features = []
    options.name_IDs = ["*"]  # keep the names: fpdf2 reads the full name for the PDF font name
    for style in STYLES:
        font = subset.load_font(str(full_font_path(style)), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=covered_codepoints())
        subsetter.subset(font)
        subset.save_font(font, str(subset_path(style)), options)
        print(subset_path(style), subset_path(style).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
