from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from ocr.domain import PageSource, PdfPageLayer
from ocr.errors import (
    ActiveContentError,
    CorruptFileError,
    EncryptedPdfError,
    ImageTooLargeError,
    TooManyPagesError,
    UnsupportedFileTypeError,
)
from ocr.images import (
    SNIFF_BYTES,
    FileType,
    count_pdf_pages,
    decode_image,
    encode_jpeg,
    hamming_distance,
    load_pages,
    pdf_text_layers,
    perceptual_hash,
    sniff_file_type,
)
from tests.pdfs import PdfPage, PdfText, build_pdf, pdf_file, pdf_stream, photo_jpeg

RED = (220, 20, 20)
WHITE = (255, 255, 255)


def marked_image(width: int = 120, height: int = 80) -> Image.Image:
    """A white image with a red block in its top-left quarter, to see where it ends up."""
    image = Image.new("RGB", (width, height), WHITE)
    image.paste(RED, (0, 0, width // 2, height // 2))
    return image


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    if fmt == "HEIF":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def with_orientation(image: Image.Image, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(image, "JPEG", quality=95, exif=exif.tobytes())


def red_quadrant(bgr: npt.NDArray[np.uint8]) -> str:
    """Which quadrant of a BGR image is red: tl, tr, br or bl."""
    h, w = bgr.shape[:2]
    quadrants = {
        "tl": bgr[: h // 2, : w // 2],
        "tr": bgr[: h // 2, w // 2 :],
        "br": bgr[h // 2 :, w // 2 :],
        "bl": bgr[h // 2 :, : w // 2],
    }
    redness = {
        name: float(q[:, :, 2].mean()) - float(q[:, :, 1].mean()) for name, q in quadrants.items()
    }
    return max(redness, key=lambda name: redness[name])


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares a size but whose pixel data is a few bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(bytes(16)))
        + png_chunk(b"IEND", b"")
    )


def text_pdf(lines: list[str], *, pages: int = 1) -> bytes:
    """A minimal hand-written PDF with a real text layer (Helvetica), no images."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    font_ref = 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for _ in range(pages):
        y = 700
        ops = []
        for line in lines:
            ops.append(f"BT /F1 24 Tf 72 {y} Td ({line}) Tj ET")
            y -= 40
        objects.append(pdf_stream("\n".join(ops).encode()))
        content_ref = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font_ref, content_ref)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    return pdf_file(objects)


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(blank_pdf(1)))
    owner = "owner-" + user_password  # a test fixture, not a credential
    writer.encrypt(user_password=user_password, owner_password=owner, algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class TestSniffFileType:
    @pytest.mark.parametrize(
        ("fmt", "expected"),
        [
            ("JPEG", FileType.JPEG),
            ("PNG", FileType.PNG),
            ("WEBP", FileType.WEBP),
            ("HEIF", FileType.HEIF),
            ("PDF", FileType.PDF),
        ],
    )
    def test_detects_each_accepted_type(self, fmt: str, expected: FileType) -> None:
        data = encode(marked_image(), fmt)
        assert sniff_file_type(data[:SNIFF_BYTES]) is expected

    def test_png_named_jpg_is_still_png(self) -> None:
        # Only bytes reach the sniffer; a client's ".jpg" name has no say.
        assert sniff_file_type(encode(marked_image(), "PNG")) is FileType.PNG

    def test_hand_written_pdf_is_pdf(self) -> None:
        assert sniff_file_type(text_pdf(["hello"])[:SNIFF_BYTES]) is FileType.PDF

    @pytest.mark.parametrize(
        ("head", "detected"),
        [
            (b"Hello, this is a plain text file.\n", "text"),
            (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(22), "zip"),
            (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(24), "exe"),
            (b"\x7fELF\x02\x01\x01" + bytes(25), "elf"),
            (b"GIF89a" + bytes(26), "gif"),
            (bytes(range(200, 232)), None),
            (b"", None),
        ],
    )
    def test_refuses_other_files(self, head: bytes, detected: str | None) -> None:
        with pytest.raises(UnsupportedFileTypeError) as info:
            sniff_file_type(head)
        assert info.value.detected == detected

    def test_refuses_avif(self) -> None:
        with pytest.raises(UnsupportedFileTypeError) as info:
            sniff_file_type(encode(marked_image(), "AVIF")[:SNIFF_BYTES])
        assert info.value.detected == "avif"

    def test_content_type_and_extension(self) -> None:
        assert FileType.PNG.content_type == "image/png"
        assert FileType.JPEG.extension == ".jpg"
        assert FileType.PDF.content_type == "application/pdf"
        assert {t.extension for t in FileType} == {".jpg", ".png", ".webp", ".heic", ".pdf"}


class TestLoadImages:
    @pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
    def test_decodes_to_bgr(self, fmt: str) -> None:
        data = encode(marked_image(), fmt)
        pages = load_pages(data, file_type=sniff_file_type(data))
        assert len(pages) == 1
        page = pages[0]
        assert page.number == 1
        assert page.text_layer is None
        assert page.image.dtype == np.uint8
        assert page.image.shape == (80, 120, 3)
        assert red_quadrant(page.image) == "tl"
        # BGR order: the red block has a high third channel.
        assert page.image[5, 5, 2] > 180
        assert page.image[5, 5, 0] < 80

    @pytest.mark.parametrize(
        ("orientation", "shape", "quadrant"),
        [(1, (80, 120), "tl"), (3, (80, 120), "br"), (6, (120, 80), "tr"), (8, (120, 80), "bl")],
    )
    def test_applies_exif_orientation(
        self, orientation: int, shape: tuple[int, int], quadrant: str
    ) -> None:
        data = with_orientation(marked_image(), orientation)
        (page,) = load_pages(data, file_type=FileType.JPEG)
        assert page.image.shape[:2] == shape
        assert red_quadrant(page.image) == quadrant

    def test_transparent_png_is_composited_on_white(self) -> None:
        image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
        (page,) = load_pages(encode(image, "PNG"), file_type=FileType.PNG)
        assert page.image.min() == 255

    def test_grey_and_palette_images_become_three_channels(self) -> None:
        for image in (marked_image().convert("L"), marked_image().convert("P")):
            (page,) = load_pages(encode(image, "PNG"), file_type=FileType.PNG)
            assert page.image.shape == (80, 120, 3)

    def test_truncated_jpeg_is_corrupt(self) -> None:
        noise = np.random.default_rng(0).integers(0, 255, (400, 600, 3), dtype=np.uint8)
        data = encode(Image.fromarray(noise), "JPEG", quality=90)
        with pytest.raises(CorruptFileError):
            load_pages(data[: len(data) // 2], file_type=FileType.JPEG)

    def test_garbage_after_signature_is_corrupt(self) -> None:
        data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        with pytest.raises(CorruptFileError):
            load_pages(data, file_type=FileType.PNG)

    def test_refuses_image_over_pixel_limit(self) -> None:
        data = encode(marked_image(1200, 900), "JPEG")
        with pytest.raises(ImageTooLargeError) as info:
            load_pages(data, file_type=FileType.JPEG, max_pixels=1_000_000)
        assert info.value.pixels == 1_080_000
        assert info.value.limit == 1_000_000

    def test_checks_header_size_before_decoding(self) -> None:
        # The header declares 48 Mpx and there is no pixel data at all: only a
        # header check can answer ImageTooLargeError rather than CorruptFileError.
        with pytest.raises(ImageTooLargeError) as info:
            load_pages(png_header_only(8000, 6000), file_type=FileType.PNG)
        assert info.value.pixels == 48_000_000

    def test_decompression_bomb_is_too_large_not_a_crash(self) -> None:
        with pytest.raises(ImageTooLargeError) as info:
            load_pages(png_header_only(30_000, 30_000), file_type=FileType.PNG, max_pixels=10**10)
        assert info.value.pixels == 900_000_000


class TestLoadPdf:
    def test_image_pdf_gives_the_embedded_image_at_native_size(self) -> None:
        data = encode(marked_image(620, 877), "PDF", resolution=150)
        (page,) = load_pages(data, file_type=FileType.PDF)
        assert page.image.shape == (877, 620, 3)
        assert red_quadrant(page.image) == "tl"
        assert page.text_layer == PdfPageLayer(source=PageSource.RASTER)

    def test_text_pdf_gives_text_layer_and_a_render(self) -> None:
        data = text_pdf(["Hello intake 2025", "Second line"])
        (page,) = load_pages(data, file_type=FileType.PDF)
        assert page.text_layer is not None
        assert page.text_layer.source is PageSource.BORN_DIGITAL
        assert [line.text for line in page.text_layer.lines] == ["Hello intake 2025", "Second line"]
        # 612 x 792 pt at 200 dpi.
        assert page.image.shape == (2200, 1700, 3)
        assert page.image.min() < 100  # the text was rendered

    def test_render_is_capped_by_pixel_limit(self) -> None:
        (page,) = load_pages(text_pdf(["capped"]), file_type=FileType.PDF, max_pixels=1_000_000)
        height, width = page.image.shape[:2]
        assert width * height <= 1_000_000
        assert width * height > 900_000
        assert abs(height / width - 792 / 612) < 0.01

    def test_large_embedded_image_is_rendered_within_the_limit(self) -> None:
        data = encode(marked_image(1600, 1000), "PDF", resolution=300)
        (page,) = load_pages(data, file_type=FileType.PDF, max_pixels=500_000)
        height, width = page.image.shape[:2]
        assert width * height <= 500_000
        assert red_quadrant(page.image) == "tl"

    def test_multi_page_numbers_pages(self) -> None:
        data = text_pdf(["page"], pages=3)
        pages = load_pages(data, file_type=FileType.PDF, max_pixels=200_000)
        assert [p.number for p in pages] == [1, 2, 3]

    def test_refuses_too_many_pages_before_rendering(self) -> None:
        with pytest.raises(TooManyPagesError) as info:
            load_pages(blank_pdf(3), file_type=FileType.PDF, max_pages=2)
        assert (info.value.pages, info.value.limit) == (3, 2)

    @pytest.mark.parametrize("user_password", ["", "secret"])
    def test_refuses_encrypted_pdf(self, user_password: str) -> None:
        data = encrypted_pdf(user_password)
        with pytest.raises(EncryptedPdfError):
            count_pdf_pages(data)
        with pytest.raises(EncryptedPdfError):
            load_pages(data, file_type=FileType.PDF)

    def test_count_pages(self) -> None:
        assert count_pdf_pages(blank_pdf(4)) == 4

    @pytest.mark.parametrize(
        "data",
        [b"%PDF-1.7\n" + b"garbage " * 50, b"%PDF-1.4\n", text_pdf(["cut"])[:120]],
    )
    def test_garbage_pdf_is_corrupt(self, data: bytes) -> None:
        with pytest.raises(CorruptFileError):
            load_pages(data, file_type=FileType.PDF)


def blocky(rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    blocks = rng.integers(0, 255, (8, 12, 1), dtype=np.uint8)
    return np.kron(blocks, np.ones((40, 40, 3), dtype=np.uint8)).astype(np.uint8)


class TestEncodingAndHashing:
    def test_jpeg_round_trip(self) -> None:
        (page,) = load_pages(encode(marked_image(), "PNG"), file_type=FileType.PNG)
        encoded = encode_jpeg(page.image)
        assert sniff_file_type(encoded) is FileType.JPEG
        decoded = decode_image(encoded)
        assert decoded.shape == page.image.shape
        assert np.abs(decoded.astype(int) - page.image.astype(int)).mean() < 3

    def test_decode_refuses_garbage(self) -> None:
        with pytest.raises(CorruptFileError):
            decode_image(b"not an image")
        with pytest.raises(CorruptFileError):
            decode_image(b"")

    def test_phash_is_16_hex_and_stable_under_recompression(self) -> None:
        rng = np.random.default_rng(1)
        image = blocky(rng)
        original = perceptual_hash(image)
        assert len(original) == 16
        int(original, 16)
        recompressed = decode_image(encode_jpeg(image, quality=60))
        assert hamming_distance(original, perceptual_hash(recompressed)) <= 4
        assert hamming_distance(original, perceptual_hash(blocky(rng))) > 12

    def test_hamming_distance(self) -> None:
        assert hamming_distance("0000000000000000", "000000000000000f") == 4
        assert hamming_distance("ffffffffffffffff", "0000000000000000") == 64
        with pytest.raises(ValueError, match="lengths"):
            hamming_distance("00", "000")


class TestPdfTextLayers:
    def test_an_image_has_no_text_layers(self) -> None:
        assert pdf_text_layers(_jpeg_for_text_layers()) == {}

    def test_text_layer_is_read_without_rendering(self) -> None:
        layers = pdf_text_layers(text_pdf(["Hello intake 2025"]))
        assert list(layers) == [1]
        assert [line.text for line in layers[1].lines] == ["Hello intake 2025"]

    def test_scanned_pages_are_raster_without_lines(self) -> None:
        data = _image_only_pdf()
        assert pdf_text_layers(data) == dict.fromkeys(
            range(1, count_pdf_pages(data) + 1), PdfPageLayer(source=PageSource.RASTER)
        )


def _jpeg_for_text_layers() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(buffer, format="JPEG")
    return buffer.getvalue()


def _image_only_pdf() -> bytes:
    buffer = io.BytesIO()
    pages = [Image.new("RGB", (200, 280), "white") for _ in range(2)]
    pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:])
    return buffer.getvalue()


def _grey_photo() -> bytes:
    return photo_jpeg(np.full((1100, 800, 3), 180, dtype=np.uint8))


class TestPdfPageLayers:
    def test_invisible_chinese_text_over_a_blank_page(self) -> None:
        data = build_pdf(
            [PdfPage(texts=[PdfText(text="姓名 王建国", x=59.5, y=84.2, size=14, mode=3)])]
        )
        ((number, layer),) = pdf_text_layers(data).items()
        assert number == 1
        assert layer.source is PageSource.BORN_DIGITAL
        (line,) = layer.lines
        assert line.text == "姓名 王建国"
        assert line.invisible
        # Drawn 59.5 pt from the left and 84.2 pt from the top of an A4 page.
        assert line.box[0] == pytest.approx(0.1, abs=0.01)
        assert line.box[1] == pytest.approx(0.1, abs=0.01)
        assert line.box[3] - line.box[1] == pytest.approx(14 / 842, rel=0.3)

    def test_scan_with_an_invisible_ocr_layer_is_raster(self) -> None:
        texts = [PdfText(text="中华人民共和国", x=60, y=100, mode=3)]
        (layer,) = pdf_text_layers(build_pdf([PdfPage(image=_grey_photo(), texts=texts)])).values()
        assert layer.source is PageSource.RASTER
        assert [(line.text, line.invisible) for line in layer.lines] == [("中华人民共和国", True)]

    def test_visible_text_over_a_scan_makes_it_born_digital(self) -> None:
        texts = [PdfText(text="有效期限 长期", x=60, y=100, rgb=(1.0, 1.0, 1.0))]
        (layer,) = pdf_text_layers(build_pdf([PdfPage(image=_grey_photo(), texts=texts)])).values()
        assert layer.source is PageSource.BORN_DIGITAL
        (line,) = layer.lines
        assert not line.invisible
        assert line.colour == (255, 255, 255)

    def test_text_under_a_covering_image_leaves_it_raster(self) -> None:
        page = PdfPage(
            image=_grey_photo(), texts=[PdfText(text="hidden", x=60, y=100)], image_after_text=True
        )
        (layer,) = pdf_text_layers(build_pdf([page])).values()
        assert layer.source is PageSource.RASTER

    def test_text_off_the_page_has_a_box_outside_it(self) -> None:
        texts = [PdfText(text="居住证", x=700, y=-200)]
        (layer,) = pdf_text_layers(build_pdf([PdfPage(texts=texts)])).values()
        (line,) = layer.lines
        assert line.box[0] > 1.0
        assert line.box[3] < 0.0

    def test_lines_split_where_the_painting_changes(self) -> None:
        texts = [
            PdfText(text="姓名", x=60, y=100),
            PdfText(text="张三", x=120, y=100, mode=3),
        ]
        (layer,) = pdf_text_layers(build_pdf([PdfPage(texts=texts)])).values()
        assert [(line.text, line.invisible) for line in layer.lines] == [
            ("姓名", False),
            ("张三", True),
        ]

    def test_pages_load_with_their_layers(self) -> None:
        data = build_pdf(
            [PdfPage(image=_grey_photo()), PdfPage(texts=[PdfText(text="AB", x=9, y=9)])]
        )
        pages = load_pages(data, file_type=FileType.PDF)
        assert [p.text_layer.source if p.text_layer else None for p in pages] == [
            PageSource.RASTER,
            PageSource.BORN_DIGITAL,
        ]


def _with_action(place: str, kind: str) -> bytes:
    """A blank page with a ``kind`` action put in one of the places a PDF may hold one."""
    writer = PdfWriter(clone_from=io.BytesIO(blank_pdf(1)))
    action = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject(kind),
            NameObject("/F" if kind == "/Launch" else "/JS"): TextStringObject("x"),
        }
    )
    if place == "open":
        writer.root_object[NameObject("/OpenAction")] = action
    elif place == "page":
        writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
    elif place == "link":
        link = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([]),
                NameObject("/A"): writer._add_object(action),
            }
        )
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    else:  # the document-level scripts of the /Names tree
        scripts = DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("on-open"), action])}
        )
        writer.root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(scripts)}
        )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


_ACTIONS = ("/JavaScript", "/Launch")


class TestActiveContent:
    @pytest.mark.parametrize(
        ("place", "kind"),
        [
            *((place, kind) for place in ("open", "page", "link") for kind in _ACTIONS),
            ("names", "/JavaScript"),
        ],
    )
    def test_a_pdf_action_anywhere_is_refused(self, place: str, kind: str) -> None:
        with pytest.raises(ActiveContentError):
            load_pages(_with_action(place, kind), file_type=FileType.PDF)

    def test_a_plain_pdf_passes(self) -> None:
        assert len(load_pages(blank_pdf(2), file_type=FileType.PDF)) == 2

    def test_an_image_that_is_also_an_archive_is_refused(self) -> None:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as bundle:
            bundle.writestr("run.sh", "echo hi")
        data = encode_jpeg(np.full((200, 300, 3), 200, np.uint8)) + archive.getvalue()
        with pytest.raises(ActiveContentError):
            load_pages(data, file_type=FileType.JPEG)
