"""Provinces from addresses: an order export's 收货地址 may hold a full address with the buyer's name
and phone number; reports show only the province-level region (SEC-04: no personal data)."""

from __future__ import annotations

PROVINCES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西",
             "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古",
             "广西", "西藏", "宁夏", "新疆", "香港", "澳门")
OTHER = "其他"


_BY_LENGTH = [(n, frozenset(p for p in PROVINCES if len(p) == n))
              for n in sorted({len(p) for p in PROVINCES}, reverse=True)]  # the longest name first


def province_of(address: object) -> str:
    """「上海市浦东新区… 张三 138…」→ 上海; a region name alone (Olist's SP) is kept when short and
    free of digits; anything else is 其他."""
    text = str(address or "").strip()
    if not text:
        return "未知"
    for length, names in _BY_LENGTH:
        if text[:length] in names:
            return text[:length]
    if len(text) <= 4 and not any(ch.isdigit() for ch in text):
        return text
    return OTHER


def provinces(addresses) -> list[str]:
    """``province_of`` of each address, each distinct address worked out once."""
    known: dict[object, str] = {}
    return [known[a] if a in known else known.setdefault(a, province_of(a)) for a in addresses]
