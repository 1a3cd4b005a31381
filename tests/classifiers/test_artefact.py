"""Artefacts load without running code, and the service refuses ones it cannot trust."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import skops.io as sio

from classifiers import artefact
from classifiers.artefact import Metadata, ModelError
from classifiers.model import VARIANTS, TopicModel
from classifiers.taxonomy import taxonomy_id

TEXTS = [
    ("Tàu lạ xua đuổi ngư dân gần Hoàng Sa", {"sovereignty"}, "negative"),
    ("Cột mốc biên giới được bảo vệ nghiêm ngặt", {"sovereignty"}, "positive"),
    ("Biên phòng tuần tra bảo vệ chủ quyền biển đảo", {"sovereignty"}, "positive"),
    ("Báo cáo nhân quyền xuyên tạc tự do tôn giáo", {"human_rights", "distortion"}, "negative"),
    ("Quyền của người dân tộc thiểu số được bảo đảm", {"human_rights"}, "positive"),
    ("Tự do ngôn luận và tự do báo chí được tôn trọng", {"human_rights"}, "positive"),
    ("Công an bác bỏ tin giả về vỡ đập thủy điện", {"distortion"}, "neutral"),
    ("Thông tin sai sự thật về dịch bệnh lan truyền", {"distortion"}, "negative"),
    ("Tin đồn bắt cóc trẻ em là bịa đặt", {"distortion"}, "neutral"),
    ("Du lịch biển hút khách dịp hè", set(), "positive"),
    ("Giá hải sản tăng mạnh cuối tuần", set(), "neutral"),
    ("Lễ hội chùa thu hút đông đảo người dân", set(), "positive"),
    ("Đội bóng địa phương thua trận", set(), "negative"),
    ("Trường học khai giảng năm học mới", set(), "neutral"),
]


@pytest.fixture(scope="module")
def model() -> TopicModel:
    texts = [t for t, _, _ in TEXTS] * 3
    labels = [frozenset(ls) for _, ls, _ in TEXTS] * 3
    tones = [tone for _, _, tone in TEXTS] * 3
    return TopicModel.fit(VARIANTS["words"], texts, labels, tones)


def _metadata(taxonomy: str | None = None) -> Metadata:
    return Metadata(
        version="test-1",
        taxonomy=taxonomy or taxonomy_id(),
        variant="words",
        created_at="2026-11-22T00:00:00+00:00",
        data_hash="0" * 64,
        examples={"written": len(TEXTS)},
        thresholds={},
    )


def test_a_saved_model_loads_and_predicts_the_same(model: TopicModel, tmp_path: Path) -> None:
    artefact.save(model, _metadata(), tmp_path / "m")
    loaded, metadata = artefact.load(tmp_path / "m")
    text = ["Tàu lạ xua đuổi ngư dân gần Hoàng Sa"]
    assert loaded.scores(text)["sovereignty"] == pytest.approx(model.scores(text)["sovereignty"])
    assert metadata.libraries["scikit-learn"]
    assert metadata.sha256


def test_a_model_for_another_taxonomy_is_refused(model: TopicModel, tmp_path: Path) -> None:
    artefact.save(model, _metadata("topics-000000000000"), tmp_path / "m")
    with pytest.raises(ModelError, match="built for taxonomy topics-000000000000"):
        artefact.load(tmp_path / "m")


def test_a_changed_model_file_is_refused(model: TopicModel, tmp_path: Path) -> None:
    artefact.save(model, _metadata(), tmp_path / "m")
    path = tmp_path / "m" / artefact.MODEL_FILE
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelError, match="checksum"):
        artefact.load(tmp_path / "m")


class Payload:
    """Stands for anything that is not a plain scikit-learn object."""


def test_a_model_holding_untrusted_types_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "m"
    directory.mkdir()
    path = directory / artefact.MODEL_FILE
    sio.dump({"labels": {}, "payload": Payload()}, path)
    metadata = _metadata()
    metadata.sha256 = artefact._sha256(path)
    (directory / artefact.METADATA_FILE).write_text(json.dumps(metadata.__dict__))
    with pytest.raises(ModelError, match=r"not trusted: .*Payload"):
        artefact.load(directory)


def test_explanations_point_at_the_words_that_pushed_a_label(model: TopicModel) -> None:
    text = "Tin mới: tàu lạ xua đuổi ngư dân gần Hoàng Sa"
    prediction = model.predict([text])[0]
    assert "sovereignty" in prediction.topics
    spans = prediction.explain["sovereignty"]
    assert spans
    for surface, start, end in spans:
        assert text[start:end] == surface
    assert any("Hoàng Sa" in s or "xua đuổi" in s for s, _, _ in spans)
