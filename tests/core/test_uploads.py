"""What customers may attach: an allow-list, content sniffed, macros refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from casedesk.core.errors import Refused
from casedesk.core.uploads import Upload, check_upload


def _ooxml(*, macros: bool) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00VBA")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name,content",
    [
        ("trace.pcap", b"\xd4\xc3\xb2\xa1rest"),
        ("notes.pdf", b"%PDF-1.7"),
        ("server.log", b"INFO started"),
        ("photo.jpg", b"\xff\xd8\xff"),
        ("logs.zip", b"PK\x03\x04rest"),
        ("report.docx", _ooxml(macros=False)),
    ],
)
def test_documents_images_logs_captures_and_archives_are_accepted(name, content):
    assert check_upload(Upload(name, content))[0] == name


@pytest.mark.parametrize("name", ["help.chm", "style.xsl", "tool.exe", "page.html", "noextension"])
def test_kinds_not_on_the_allow_list_are_refused(name):
    with pytest.raises(Refused, match="not accepted"):
        check_upload(Upload(name, b"data"))


@pytest.mark.parametrize("name", ["letter.docm", "sheet.xlsm", "deck.pptm"])
def test_macro_enabled_office_files_are_refused_by_name(name):
    with pytest.raises(Refused, match="macros"):
        check_upload(Upload(name, _ooxml(macros=True)))


def test_a_macro_document_renamed_docx_is_refused_by_its_content():
    with pytest.raises(Refused, match="macros"):
        check_upload(Upload("invoice.docx", _ooxml(macros=True)))


def test_an_old_binary_office_file_with_a_vba_project_is_refused():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "_VBA_PROJECT".encode("utf-16-le")
    with pytest.raises(Refused, match="macros"):
        check_upload(Upload("old.doc", ole))


@pytest.mark.parametrize("content", [b"MZ\x90\x00", b"\x7fELF\x02", b"#!/bin/sh\n"])
def test_a_program_or_page_renamed_to_an_allowed_kind_is_refused(content):
    with pytest.raises(Refused, match="not accepted"):
        check_upload(Upload("innocent.pdf", content))
