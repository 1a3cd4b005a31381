"""Press items for the end-to-end alert tests and bench/latency.py, and an RSS writer for them.

Each shipped configuration gets items written as the Vietnamese press writes about its
locality: a false rumour about the place and a sovereignty item (sea and islands for the
coast, the land border for Lai Châu). The place is named the way reporters name it after the
2025 reorganisation ("huyện Tam Đường cũ", "tỉnh Bắc Kạn cũ, nay thuộc Thái Nguyên"), so the
items say something about the shipped matcher and model, not about text tuned to them. One item
about another province carries a flagged topic too, so that nothing arriving for it shows the
locality gate at work rather than the topic model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class NewsItem:
    """One feed entry; ``topic`` is the label it is written to carry."""

    title: str
    summary: str
    link: str
    topic: str


@dataclass(frozen=True)
class Case:
    """A shipped configuration and the items about its locality."""

    config: str  # relative to the repository root
    locality: str  # the locality id the items are about
    items: tuple[NewsItem, ...]


NO_LOCALITY = NewsItem(
    title="Công an TP Cần Thơ xử lý người đăng tin sai sự thật về sạt lở bờ sông",
    summary=(
        "Chủ một tài khoản Facebook bị phạt vì đăng tin bịa đặt rằng sạt lở đã cuốn trôi "
        "nhiều nhà dân ven sông ở phường Ninh Kiều, TP Cần Thơ, gây hoang mang dư luận."
    ),
    link="https://vnexpress.net/cong-an-can-tho-xu-ly-tin-sai-su-that-sat-lo-4790001.html",
    topic="distortion",
)

CASES: tuple[Case, ...] = (
    Case(
        "sources.yaml",
        "ducpho",
        (
            NewsItem(
                title=(
                    "Tàu cá của ngư dân Đức Phổ bị tàu nước ngoài xua đuổi, cướp hải sản ở Hoàng Sa"
                ),
                summary=(
                    "Ngư dân phường Sa Huỳnh, thị xã Đức Phổ (Quảng Ngãi) cho biết tàu cá "
                    "QNg-95139 TS bị tàu hải cảnh nước ngoài xua đuổi, phun vòi rồng và cướp "
                    "hải sản khi đang khai thác ở vùng biển quần đảo Hoàng Sa của Việt Nam. Bộ "
                    "đội Biên phòng tỉnh đã làm việc với chủ tàu, ghi nhận thiệt hại."
                ),
                link="https://vnexpress.net/tau-ca-duc-pho-bi-xua-duoi-o-hoang-sa-4790101.html",
                topic="sovereignty",
            ),
            NewsItem(
                title="Thông tin 'vỡ hồ chứa nước Liệt Sơn' ở Đức Phổ là sai sự thật",
                summary=(
                    "Mạng xã hội lan truyền clip cho rằng hồ chứa nước Liệt Sơn ở thị xã Đức "
                    "Phổ, tỉnh Quảng Ngãi bị vỡ trong đợt mưa lũ. UBND phường Đức Phổ khẳng "
                    "định đây là thông tin sai sự thật, hồ vẫn an toàn; công an đang xác minh "
                    "người đăng tải."
                ),
                link="https://vnexpress.net/tin-vo-ho-liet-son-la-sai-su-that-4790102.html",
                topic="distortion",
            ),
        ),
    ),
    Case(
        "examples/bac-kan.yaml",
        "bac-kan",
        (
            NewsItem(
                title="Thông tin vỡ đập thủy điện Thác Giềng ở Bắc Kạn là sai sự thật",
                summary=(
                    "Mạng xã hội lan truyền thông tin đập thủy điện Thác Giềng (tỉnh Bắc Kạn "
                    "cũ, nay thuộc Thái Nguyên) bị vỡ, nước lũ tràn về. Công an tỉnh Thái "
                    "Nguyên khẳng định đây là tin giả, gây hoang mang dư luận, đang xác minh để "
                    "xử lý người đăng tải."
                ),
                link="https://vnexpress.net/tin-vo-dap-thac-gieng-la-sai-su-that-4790201.html",
                topic="distortion",
            ),
            NewsItem(
                title="Triển lãm bản đồ Hoàng Sa, Trường Sa của Việt Nam tại Bắc Kạn",
                summary=(
                    "Triển lãm 'Hoàng Sa, Trường Sa của Việt Nam - Những bằng chứng lịch sử và "
                    "pháp lý' khai mạc tại huyện Chợ Đồn, tỉnh Bắc Kạn, giới thiệu hơn 100 bản "
                    "đồ, tư liệu khẳng định chủ quyền của Việt Nam đối với hai quần đảo."
                ),
                link="https://vnexpress.net/trien-lam-hoang-sa-truong-sa-tai-bac-kan-4790202.html",
                topic="sovereignty",
            ),
        ),
    ),
    Case(
        "examples/que-minh.yaml",
        "que-minh",
        (
            NewsItem(
                title="Tin đồn 'sạt lở vùi lấp khu dân cư' ở xã Quế Minh là bịa đặt",
                summary=(
                    "Một tài khoản Facebook đăng tải thông tin sai sự thật rằng sạt lở núi đã "
                    "vùi lấp khu dân cư ở xã Quế Minh, huyện Quế Sơn cũ, nay thuộc TP Đà Nẵng. "
                    "Chính quyền xã khẳng định thông tin này là bịa đặt, xuyên tạc, đề nghị "
                    "người dân không chia sẻ."
                ),
                link="https://vnexpress.net/tin-don-sat-lo-o-que-minh-la-bia-dat-4790301.html",
                topic="distortion",
            ),
            NewsItem(
                title="Đoàn viên xã Quế Minh thi tìm hiểu chủ quyền biển, đảo Việt Nam",
                summary=(
                    "Hơn 300 đoàn viên, thanh niên xã Quế Minh, huyện Quế Sơn cũ (nay thuộc TP "
                    "Đà Nẵng) tham gia cuộc thi tìm hiểu về chủ quyền của Việt Nam đối với hai "
                    "quần đảo Hoàng Sa, Trường Sa và các vùng biển theo Công ước Luật Biển 1982."
                ),
                link="https://vnexpress.net/que-minh-thi-tim-hieu-chu-quyen-bien-dao-4790302.html",
                topic="sovereignty",
            ),
        ),
    ),
    Case(
        "examples/tam-duong.yaml",
        "tam-duong",
        (
            NewsItem(
                title="Xuyên tạc việc thu hồi đất làm đường ở Tam Đường, Lai Châu",
                summary=(
                    "Một số trang mạng đăng tải thông tin sai sự thật, xuyên tạc việc thu hồi "
                    "đất làm đường ở xã Bình Lư, huyện Tam Đường cũ, tỉnh Lai Châu, kích động "
                    "người dân tụ tập. Công an tỉnh Lai Châu khẳng định đây là thông tin bịa đặt."
                ),
                link="https://vnexpress.net/xuyen-tac-thu-hoi-dat-o-tam-duong-4790401.html",
                topic="distortion",
            ),
            NewsItem(
                title="Thanh niên Tam Đường cùng Bộ đội Biên phòng bảo vệ cột mốc biên giới",
                summary=(
                    "Đoàn viên, thanh niên huyện Tam Đường cũ, tỉnh Lai Châu lên xã biên giới "
                    "Phong Thổ phối hợp với Đồn Biên phòng Ma Lù Thàng tuần tra, phát quang "
                    "đường biên, bảo vệ cột mốc, tuyên truyền người dân giữ gìn chủ quyền lãnh "
                    "thổ, an ninh biên giới quốc gia."
                ),
                link="https://vnexpress.net/thanh-nien-tam-duong-bao-ve-cot-moc-4790402.html",
                topic="sovereignty",
            ),
        ),
    ),
    Case(
        "examples/van-ninh.yaml",
        "van-ninh",
        (
            NewsItem(
                title="Tàu cá Vạn Ninh bị tàu nước ngoài đâm va ở Trường Sa",
                summary=(
                    "Ngư dân xã Vạn Ninh, tỉnh Khánh Hòa cho biết tàu cá KH-90567 TS bị tàu hải "
                    "cảnh nước ngoài đâm va, xua đuổi khi đang đánh bắt ở ngư trường quần đảo "
                    "Trường Sa của Việt Nam. Đồn Biên phòng Đại Lãnh đã đến hỗ trợ ngư dân và "
                    "lập biên bản vụ việc."
                ),
                link="https://vnexpress.net/tau-ca-van-ninh-bi-dam-va-o-truong-sa-4790501.html",
                topic="sovereignty",
            ),
            NewsItem(
                title="Tin đồn 'sóng thần sắp đổ bộ vịnh Vân Phong' là bịa đặt",
                summary=(
                    "Một số tài khoản mạng xã hội đăng tin sóng thần sắp đổ bộ vào vịnh Vân "
                    "Phong, huyện Vạn Ninh, tỉnh Khánh Hòa khiến người dân hoang mang. Đài Khí "
                    "tượng thủy văn tỉnh khẳng định thông tin hoàn toàn sai sự thật."
                ),
                link="https://vnexpress.net/tin-don-song-than-van-phong-la-bia-dat-4790502.html",
                topic="distortion",
            ),
        ),
    ),
)


def rss(items: Sequence[tuple[NewsItem, datetime]], title: str = "Thời sự") -> bytes:
    """An RSS 2.0 feed of ``(item, published)`` pairs, newest first as outlets list them."""
    entries = "".join(
        f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>"
        f'<guid isPermaLink="true">{escape(item.link)}</guid>'
        f"<description>{escape(item.summary)}</description>"
        f"<pubDate>{format_datetime(published)}</pubDate></item>"
        for item, published in sorted(items, key=lambda pair: pair[1], reverse=True)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://vnexpress.net/</link>"
        f"<description>{escape(title)}</description>{entries}</channel></rss>"
    ).encode()
