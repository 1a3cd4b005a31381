"""The default model, built from the shipped data, flags clear cases and leaves plain news."""

from __future__ import annotations

import unicodedata

import pytest

from classifiers import artefact
from classifiers.model import TopicModel
from classifiers.rules import Rules
from classifiers.store import ensure_default


@pytest.fixture(scope="module")
def model() -> TopicModel:
    loaded, _ = artefact.load(ensure_default())
    return loaded


@pytest.mark.parametrize(
    ("text", "label"),
    [
        (
            "Tàu hải cảnh nước ngoài dùng vòi rồng tấn công tàu cá của ngư dân gần quần đảo "
            "Hoàng Sa của Việt Nam.",
            "sovereignty",
        ),
        ("tau trung quoc bat giu tau ca va ngu dan viet nam o vung bien hoang sa", "sovereignty"),
        (
            "Công an tỉnh xác minh thông tin 'vỡ đập thủy điện' lan truyền trên mạng xã hội là "
            "sai sự thật, đề nghị người dân không chia sẻ.",
            "distortion",
        ),
        (
            "Bộ Ngoại giao bác bỏ báo cáo của một tổ chức nước ngoài xuyên tạc tình hình tự do "
            "tôn giáo và nhân quyền tại Việt Nam.",
            "human_rights",
        ),
    ],
)
def test_flags_clear_cases(model: TopicModel, text: str, label: str) -> None:
    prediction = model.predict([text])[0]
    assert label in prediction.topics, prediction.scores
    for surface, start, end in prediction.explain[label]:
        assert text[start:end] == surface


@pytest.mark.parametrize(
    "text",
    [
        "Đội tuyển bóng đá Việt Nam thắng 2-0 trong trận giao hữu tối qua.",
        "Giá cá ngừ đại dương tại cảng cá tăng mạnh đầu mùa, ngư dân phấn khởi.",
        "Bệnh viện tỉnh triển khai kỹ thuật mổ nội soi mới cho bệnh nhân.",
    ],
)
def test_leaves_plain_news_alone(model: TopicModel, text: str) -> None:
    assert model.predict([text])[0].topics == []


def test_nfd_input_gets_the_same_scores_and_offsets_into_it(model: TopicModel) -> None:
    nfc = "Tàu lạ xua đuổi ngư dân gần quần đảo Hoàng Sa"
    nfd = unicodedata.normalize("NFD", nfc)
    a, b = model.predict([nfc])[0], model.predict([nfd])[0]
    assert a.scores == b.scores
    for surface, start, end in b.explain.get("sovereignty", []):
        assert nfd[start:end] == surface


def test_a_keyword_rule_adds_its_topic_and_shows_in_the_explanation(model: TopicModel) -> None:
    text = "Đội bóng đá Ba Đầu FC giao hữu với đội bạn cuối tuần."
    rules = Rules.of({"sovereignty": ["Ba Đầu"]})
    prediction = model.predict([text], rules=rules)[0]
    assert "sovereignty" in prediction.topics
    start = text.index("Ba Đầu")
    assert prediction.explain["sovereignty"][0] == ("Ba Đầu", start, start + len("Ba Đầu"))
