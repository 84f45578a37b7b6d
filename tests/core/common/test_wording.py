"""Wording rules over every text a user reads (templates with their samples, labels, FAQ answers and titles, the
dealer's values): zh-Hans uses mainland wording, not Taiwan wording; zh-Hant uses Taiwan/HK wording, not mainland
wording; English names 三包 in English."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bot.core.common.locale import Locale
from bot.core.common.settings import ROOT
from bot.core.faq.knowledge_base import KnowledgeBase
from tests.core.common.test_templates import DEALER, MESSAGES, SAMPLES

# Taiwan wording, written in simplified characters as it slips into zh-Hans text → the mainland word.
TAIWAN_ONLY = {
    "点选": "点击", "略过": "跳过", "分店": "门店", "简讯": "短信", "资讯": "信息", "影片": "视频", "网路": "网络",
    "预设": "默认", "登入": "登录", "软体": "软件", "行动电话": "手机", "品质": "质量", "保固": "保修", "煞车": "刹车",
    "火星塞": "火花塞", "冷气": "空调", "计程车": "出租车", "设定": "设置", "排程": "排期", "车行": "经销商",
    "讯息": "消息", "帐号": "账号", "选单": "菜单", "透过": "通过", "连结": "链接", "萤幕": "屏幕", "程式": "程序",
    "介面": "界面", "支援": "支持", "列印": "打印", "行销": "营销", "客诉": "投诉", "仪表板": "仪表盘",
    "雨刷": "雨刮", "后照镜": "后视镜", "中古车": "二手车", "机油芯": "机油滤芯", "行车记录器": "行车记录仪",
}  # fmt: skip


def texts(locale: Locale) -> Iterator[tuple[str, str]]:
    """(where, text) for everything a user reads in `locale`."""
    for name in MESSAGES.template_names():
        for index, data in enumerate(SAMPLES.get(name, [{}])):
            yield f"template {name} #{index}", MESSAGES.render(locale, name, **data)  # type: ignore[arg-type]
    for key in sorted(MESSAGES.label_keys(locale)):
        yield f"label {key}", MESSAGES.label(locale, key)
    kb = KnowledgeBase.load(ROOT / "knowledge" / "faq.yaml", DEALER)
    for entry in kb.entries:
        yield f"faq {entry.id} answer", kb.answer(entry.id, locale)
        yield f"faq {entry.id} title", kb.title(entry.id, locale)
    yield "dealer name", DEALER.name.get(locale)
    for branch in DEALER.branches:
        yield f"branch {branch.id}", f"{branch.name.get(locale)} {branch.address.get(locale)}"


@pytest.fixture(scope="module")
def simplified() -> list[tuple[str, str]]:
    return list(texts("zh-Hans"))


@pytest.mark.parametrize(("taiwan", "mainland"), sorted(TAIWAN_ONLY.items()))
def test_simplified_chinese_uses_mainland_wording(
    simplified: list[tuple[str, str]], taiwan: str, mainland: str
) -> None:
    found = [where for where, text in simplified if taiwan in text]
    assert not found, f"zh-Hans says {taiwan} (mainland: {mainland}) in {found}"


# Mainland wording as it slips into zh-Hant text → the Taiwan/HK word. A regulation's name in 《》 is quoted as the
# source writes it (FACTS.md), so names in brackets are not checked.
MAINLAND_ONLY = {"質量": "品質"}
_QUOTED_NAME = re.compile(r"《[^《》]*》")


@pytest.mark.parametrize(("mainland", "taiwan"), sorted(MAINLAND_ONLY.items()))
def test_traditional_chinese_uses_taiwan_wording(mainland: str, taiwan: str) -> None:
    found = [where for where, text in texts("zh-Hant") if mainland in _QUOTED_NAME.sub("", text)]
    assert not found, f"zh-Hant says {mainland} (Taiwan/HK: {taiwan}) in {found}"


# The regulation's Chinese terms: in English only as a gloss in brackets after the English name, as in
# "the Three Guarantees (三包)" or "Three Guarantees period (三包有效期)", never bare in a sentence.
CHINESE_TERMS = ("三包", "包修期")
_GLOSS = re.compile(r"\([^()]*\)")


def test_english_names_the_three_guarantees_in_english() -> None:
    bare = [(where, term) for where, text in texts("en") for term in CHINESE_TERMS if term in _GLOSS.sub("", text)]
    assert not bare, f"English with an untranslated term outside a gloss: {bare}"
