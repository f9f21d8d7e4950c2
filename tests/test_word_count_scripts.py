"""Word counts of scripts written without spaces, through `pressroom extract`.

Thai, Lao, Khmer and Myanmar write their vowels and tones as combining marks
around the letters: ผู้สูงอายุ ("the elderly") is 10 code points, 6 of them letters.
Counting every code point, two to a word as for Chinese, gave this 168-word
Thai release a word_count of 415.
"""

from __future__ import annotations

import json
import random
import sqlite3

from helpers import SitemapSite, archive_holding, run_cli

from article.text import word_count
from fixtures.demo.server import serve
from storage import Archive

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


# A Japanese ministry's releases: each draws its sentences from these, and ends with the
# same press-office box, which the crawl learns as boilerplate and its end-of-run re-clean
# takes out of the texts stored before it knew (storage/profiles.py).
SENTENCES = [
    "沿岸漁業の支援策について、水産庁は本日新たな方針を公表しました。",
    "台風の被害を受けた漁港では、防波堤の修理が来月から始まります。",
    "農業の担い手不足に対応するため、研修制度を拡充することが決まりました。",
    "米の生産量は前年より三パーセント増え、価格は安定しています。",
    "輸出の拡大に向けて、海外の見本市に地方の生産者が参加しました。",
    "森林の保全のため、間伐の補助金の申請期間を延長します。",
    "学校給食での地元食材の利用を進める自治体が増えています。",
    "畜産農家の飼料費の負担を軽くする緊急対策を実施します。",
    "漁業者の安全を守るため、救命胴衣の着用を改めて呼びかけました。",
    "新しい品種のいちごが品評会で最高賞を受賞しました。",
]
PRESS_OFFICE = (
    "本件に関するお問い合わせ先：大臣官房 広報評価課 報道室 電話 ０３－３５０２－８１１１"
)


def japanese_release(n: int) -> str:
    rng = random.Random(n)
    body = "".join(f"<p>{''.join(rng.sample(SENTENCES, 4))}（資料{n}-{k}）</p>" for k in range(4))
    return (
        f'<html lang="ja"><head><meta charset="utf-8"><title>発表第{n}号</title>'
        '<meta property="og:type" content="article"></head><body><article>'
        f'<h1>発表第{n}号</h1><time datetime="2024-03-{n % 28 + 1:02d}">2024年3月</time>'
        f"{body}<p>{PRESS_OFFICE}</p></article></body></html>"
    )


def test_a_crawl_stores_japanese_word_counts_by_characters_after_its_re_clean(tmp_path):
    # The re-clean rewrote word_count by spaces: 5 for each of these 250-word releases.
    site = SitemapSite({f"/press/{n}.html": japanese_release(n) for n in range(40)}, "2024-03-01")
    db = tmp_path / "maff.db"
    with serve(site) as server:
        crawl = run_cli("crawl", "--sitemap", f"{server.url}/sitemap.xml", "--db", str(db))
    assert crawl.returncode == 0, crawl.stderr
    assert "40 new" in crawl.stdout
    export = run_cli("export", "--db", str(db))
    assert export.returncode == 0, export.stderr
    rows = [json.loads(line) for line in export.stdout.splitlines()]
    assert len(rows) == 40
    # The premise: the re-clean ran (the press office's box was learned and taken out).
    assert not any(PRESS_OFFICE[:10] in row["text"] for row in rows)
    assert [row["word_count"] for row in rows] == [word_count(row["text"]) for row in rows]
    assert min(row["word_count"] for row in rows) > 200


def test_an_older_archive_gets_its_word_counts_counted_again(tmp_path):
    path = tmp_path / "old.db"
    text = "発表第1号\n\n" + "".join(SENTENCES)
    english = "Harbour repairs\n\nThe department confirmed the repairs."
    archive_holding(
        path,
        [
            {"url": "https://x.example/ja", "source": "gov", "title": "発表第1号", "text": text},
            {"url": "https://x.example/en", "source": "gov", "title": "Repairs", "text": english},
        ],
    )
    conn = sqlite3.connect(path)  # as a pressroom before m010 and its re-clean left it
    with conn:
        conn.execute("UPDATE articles SET word_count = 2")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm010_word_counts'")
    conn.close()
    with Archive(path):  # opening it for writing applies m010
        pass
    conn = sqlite3.connect(path)
    counts = dict(conn.execute("SELECT url, word_count FROM articles"))
    conn.close()
    assert counts["https://x.example/ja"] == word_count(text) > 100
    assert counts["https://x.example/en"] == 2  # a spaced text is left as it was


def japanese_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A one-page PDF whose text pypdf reads as ``title`` and ``paragraphs``, each cut into
    lines of 30 characters: a Type0 font whose ToUnicode map names every character."""
    chars = sorted({c for text in (title, *paragraphs) for c in text})
    cid = {c: i + 1 for i, c in enumerate(chars)}

    def shown(text: str) -> str:
        return "<" + "".join(f"{cid[c]:04X}" for c in text) + ">"

    ops, y = [f"BT /F1 16 Tf 72 740 Td {shown(title)} Tj ET"], 700
    for paragraph in paragraphs:
        for k in range(0, len(paragraph), 30):
            ops.append(f"BT /F1 11 Tf 72 {y} Td {shown(paragraph[k : k + 30])} Tj ET")
            y -= 15
        y -= 15
    content = "\n".join(ops).encode()
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        + "".join(f"1 beginbfchar <{cid[c]:04X}> <{ord(c):04X}> endbfchar\n" for c in chars)
        + "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Gothic /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Gothic /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_a_japanese_pdf_is_read_with_its_words_counted_by_characters(tmp_path):
    # PDFs counted words by spaces: this release was "too little text in PDF (5 words;
    # need 20)", and its lines were joined with spaces inside words (公表しまし た).
    paragraphs = ["".join(SENTENCES[k : k + 3]) for k in (0, 3, 6)]
    pdf = tmp_path / "release.pdf"
    pdf.write_bytes(japanese_pdf("漁港の整備計画について", paragraphs))
    result = run_cli("extract", str(pdf))
    assert result.returncode == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["release"], record["reason"]
    # Every character, none added: no space inside a line's join (paragraph breaks are
    # guessed from short last lines, so where they fall is not asserted).
    assert " " not in record["text"]
    assert record["text"].replace("\n\n", "") == "漁港の整備計画について" + "".join(paragraphs)
    assert record["word_count"] == word_count(record["text"]) > 100
