"""Word counts of scripts written without spaces, through `pressroom extract`.

Thai, Lao, Khmer and Myanmar write their vowels and tones as combining marks
around the letters: ผู้สูงอายุ ("the elderly") is 10 code points, 6 of them letters.
Counting every code point, two to a word as for Chinese, gave this 168-word
Thai release a word_count of 415.
"""

from __future__ import annotations

import json

from helpers import run_cli

TITLE = "กระทรวงสาธารณสุขเปิดตัวโครงการฉีดวัคซีนไข้หวัดใหญ่ทั่วประเทศ"
PARAGRAPHS = [  # strings cut at 60 code points, not at words
    (
        "กรุงเทพฯ – กระทรวงสาธารณสุขประกาศเปิดตัวโครงการฉีดวัคซีนป้อง"
        "กันไข้หวัดใหญ่ตามฤดูกาลสำหรับประชาชนกลุ่มเสี่ยงทั่วประเทศ โด"
        "ยตั้งเป้าหมายให้บริการวัคซีนจำนวนสี่ล้านโดสภายในสิ้นเดือนมิถ"
        "ุนายน"
    ),
    (
        "ปลัดกระทรวงสาธารณสุขกล่าวว่า ผู้สูงอายุที่มีอายุหกสิบห้าปีขึ"
        "้นไป หญิงตั้งครรภ์ และผู้ป่วยโรคเรื้อรังจะได้รับวัคซีนโดยไม่"
        "เสียค่าใช้จ่ายที่โรงพยาบาลส่งเสริมสุขภาพตำบลใกล้บ้าน"
    ),
    (
        "ในปีที่ผ่านมา มีผู้ป่วยไข้หวัดใหญ่ที่ต้องเข้ารับการรักษาในโร"
        "งพยาบาลมากกว่าสามหมื่นราย ซึ่งส่วนใหญ่เป็นเด็กเล็กและผู้สูงอ"
        "ายุ กระทรวงจึงเร่งกระจายวัคซีนก่อนเข้าสู่ฤดูฝน"
    ),
    (
        "ประชาชนสามารถตรวจสอบสิทธิ์และจองคิวรับวัคซีนผ่านแอปพลิเคชันห"
        "มอพร้อม หรือติดต่อสายด่วนกรมควบคุมโรคได้ตลอดยี่สิบสี่ชั่วโมง"
    ),
    (
        "เจ้าหน้าที่ยังขอให้ประชาชนล้างมือบ่อยครั้ง สวมหน้ากากอนามัยเ"
        "มื่ออยู่ในที่แออัด และหยุดพักอยู่บ้านเมื่อมีอาการไข้ เพื่อลด"
        "การแพร่ระบาดในชุมชน"
    ),
]
# The title and paragraphs cut into words by hand, as a Thai reader would: 168.
WORDS = 168


def test_a_thai_release_counts_about_as_many_words_as_it_has(tmp_path):
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page = tmp_path / "release.html"
    page.write_text(
        f'<html lang="th"><head><meta charset="utf-8"><title>{TITLE}</title>'
        '<meta property="og:type" content="article"></head><body><article>'
        f'<h1>{TITLE}</h1><time datetime="2024-03-12">12 มีนาคม 2567</time>{body}'
        "</article></body></html>",
        encoding="utf-8",
    )
    result = run_cli("extract", str(page))
    assert result.returncode == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["text"] == "\n\n".join([TITLE, *PARAGRAPHS])
    assert record["language"] == "th"
    assert record["release"], record["reason"]
    assert 0.8 * WORDS <= record["word_count"] <= 1.2 * WORDS  # was 415
