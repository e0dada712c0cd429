"""Golden texts: the whole English claim and the whole Russian "what it says", per reason.

One realistic case per reason (tests/claim_cases.py), and the guides' own leggings. The English
is what a buyer pastes; the Russian is the same sentences through the Russian catalog, with the
bot's Russian money format, as the wizard's summary shows it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.domain.claim import CLAIM_MAX_CHARS, compose_claim
from bot.domain.models import Reason
from bot.i18n import Translator, translations
from tests.claim_cases import CASES

MOSCOW = ZoneInfo("Europe/Moscow")

GOLDEN: dict[str, tuple[str, str]] = {
    "leggings": (
        (
            "Order 8123456789012345. I ordered Women's Seamless Leggings, 3 pcs. The seams of the "
            "item I received are poorly stitched. I contacted the seller on 20 November 2026, "
            "before opening this dispute. The seller offered only a coupon instead of a refund. I "
            "paid 11.73 USD for this item, shipping included. I request a partial refund of 5.00 "
            "USD without returning the item. Attached: 2 photos."
        ),
        (
            "Заказ 8123456789012345. Заказанный товар: Women's Seamless Leggings, 3 pcs. Швы "
            "полученного товара плохо прострочены. Сообщение продавцу отправлено 20 ноября 2026 "
            "года, ещё до открытия спора. Продавец предложил только купон вместо возврата денег. "
            "За этот товар оплачено 11,73\u00a0$ с учётом доставки. Прошу частичный возврат денег "
            "в размере 5,00\u00a0$ без возврата товара. Приложено: 2 фото."
        ),
    ),
    "quality": (
        (
            "Order 8123456789012345. I ordered TWS Bluetooth Earbuds. The item I received does "
            "not turn on. I contacted the seller before opening this dispute. The seller refused "
            "to solve the problem. Details: The left earbud does not charge. The case light never "
            "comes on. I paid 8.40 USD for this item, shipping included. I request a full refund "
            "without returning the item. Attached: 2 photos, 1 video."
        ),
        (
            "Заказ 8123456789012345. Заказанный товар: TWS Bluetooth Earbuds. Полученный товар не "
            "включается. Сообщение продавцу отправлено ещё до открытия спора. Продавец отказался "
            "решать проблему. Подробности: The left earbud does not charge. The case light never "
            "comes on. За этот товар оплачено 8,40\u00a0$ с учётом доставки. Прошу полный возврат "
            "денег без возврата товара. Приложено: 2 фото, 1 видео."
        ),
    ),
    "not-as-described": (
        (
            "Order 8123456789012345. I ordered Men's Cotton T-Shirt. The material of the item "
            "does not match the listing. The listing states 100% cotton, but I received 65% "
            "polyester. I contacted the seller before opening this dispute. The seller did not "
            "answer. I paid 18.99 USD for this item, shipping included. I request a partial "
            "refund of 10.00 USD without returning the item. Attached: 3 photos, 1 screenshot."
        ),
        (
            "Заказ 8123456789012345. Заказанный товар: Men's Cotton T-Shirt. Материал товара не "
            "соответствует описанию. В описании товара указано «100% cotton», а пришло «65% "
            "polyester». Сообщение продавцу отправлено ещё до открытия спора. Продавец не "
            "ответил. За этот товар оплачено 18,99\u00a0$ с учётом доставки. Прошу частичный "
            "возврат денег в размере 10,00\u00a0$ без возврата товара. Приложено: 3 фото, 1 "
            "скриншот."
        ),
    ),
    "damaged": (
        (
            "Order 8123456789012345. I ordered Ceramic Coffee Mug 350ml. The item arrived "
            "damaged. Damaged part: handle. The packaging arrived crushed. I confirmed receipt on "
            "27 November 2026. I paid 4.50 USD for this item, shipping included. I request a full "
            "refund without returning the item. Attached: 3 photos, 1 video."
        ),
        (
            "Заказ 8123456789012345. Заказанный товар: Ceramic Coffee Mug 350ml. Товар пришёл "
            "повреждённым. Повреждено: handle. Упаковка пришла смятой. Получение подтверждено 27 "
            "ноября 2026 года. За этот товар оплачено 4,50\u00a0$ с учётом доставки. Прошу полный "
            "возврат денег без возврата товара. Приложено: 3 фото, 1 видео."
        ),
    ),
    "missing": (
        (
            "Order 8123456789012345. I ordered Cotton Socks, 3 pairs. The package I received is "
            "incomplete. 2 of the 3 items ordered arrived. I paid 9.00 USD for this item, "
            "shipping included. I request a partial refund of 3.00 USD without returning the "
            "item. Attached: 2 photos, 1 video."
        ),
        (
            "Заказ 8123456789012345. Заказанный товар: Cotton Socks, 3 pairs. Посылка пришла "
            "некомплектной. Получено 2 из 3 заказанных штук. За этот товар оплачено 9,00\u00a0$ с "
            "учётом доставки. Прошу частичный возврат денег в размере 3,00\u00a0$ без возврата "
            "товара. Приложено: 2 фото, 1 видео."
        ),
    ),
    "wrong-item": (
        (
            "Order 8123456789012345. I ordered Silicone Case for iPhone 15. I received a "
            "different item from the one I ordered. Instead of a black phone case, I received a "
            "red wallet. I paid 25.99 USD for this item, shipping included. I will return the "
            "item and request a full refund. Attached: 2 photos."
        ),
        (
            "Заказ 8123456789012345. Заказанный товар: Silicone Case for iPhone 15. Пришёл не тот "
            "товар, который был заказан. Вместо «a black phone case» пришло «a red wallet». За "
            "этот товар оплачено 25,99\u00a0$ с учётом доставки. Я верну товар и прошу полный "
            "возврат денег. Приложено: 2 фото."
        ),
    ),
    "empty-parcel": (
        (
            "Order 8123456789012345. The parcel I received was empty. The packaging arrived "
            "intact. I contacted the seller on 20 November 2026, before opening this dispute. I "
            "have confirmed receipt on AliExpress. I paid 15.00 EUR for this item, shipping "
            "included. I request a full refund without returning the item. Attached: 1 photo, 1 "
            "video."
        ),
        (
            "Заказ 8123456789012345. Полученная посылка оказалась пустой. Упаковка пришла целой. "
            "Сообщение продавцу отправлено 20 ноября 2026 года, ещё до открытия спора. Получение "
            "подтверждено на AliExpress. За этот товар оплачено 15,00\u00a0€ с учётом доставки. "
            "Прошу полный возврат денег без возврата товара. Приложено: 1 фото, 1 видео."
        ),
    ),
    "counterfeit": (
        (
            "Order 8123456789012345. I ordered Xiaomi Redmi Buds 4. The item I received is "
            "counterfeit. The listing presents the item as a genuine Xiaomi product. I contacted "
            "the seller on 20 November 2026, before opening this dispute. The seller answered, "
            "but the problem was not solved. I paid 32.50 USD for this item, shipping included. I "
            "request a full refund without returning the item. Attached: 4 photos, 1 screenshot."
        ),
        (
            "Заказ 8123456789012345. Заказанный товар: Xiaomi Redmi Buds 4. Полученный товар — "
            "подделка. В описании товар представлен как оригинальный товар бренда Xiaomi. "
            "Сообщение продавцу отправлено 20 ноября 2026 года, ещё до открытия спора. Продавец "
            "ответил, но проблему не решил. За этот товар оплачено 32,50\u00a0$ с учётом "
            "доставки. Прошу полный возврат денег без возврата товара. Приложено: 4 фото, 1 "
            "скриншот."
        ),
    ),
    "cheaper-shipping": (
        (
            "Order 8123456789012345. The seller used a cheaper shipping method than the one I "
            "paid for. I paid for shipping by DHL, but the parcel was sent by China Post Ordinary "
            "Small Packet. I paid 14.99 USD for this item, shipping included. I request a partial "
            "refund of 6.00 USD without returning the item. Attached: 2 screenshots."
        ),
        (
            "Заказ 8123456789012345. Продавец отправил заказ более дешёвым способом доставки, чем "
            "оплаченный. Оплачена доставка способом DHL, но посылку отправили способом China Post "
            "Ordinary Small Packet. За этот товар оплачено 14,99\u00a0$ с учётом доставки. Прошу "
            "частичный возврат денег в размере 6,00\u00a0$ без возврата товара. Приложено: 2 "
            "скриншота."
        ),
    ),
    "other-received": (
        (
            "Order 8123456789012345. I ordered Yoga Mat. I received the item, but there is a "
            "problem with it. Details: The mat has a strong chemical smell that does not go away "
            "after a week. I paid 12.50 USD for this item, shipping included. I will return the "
            "item and request a partial refund of 3.00 USD. Attached: 1 photo."
        ),
        (
            "Заказ 8123456789012345. Заказанный товар: Yoga Mat. Товар получен, но с ним есть "
            "проблема. Подробности: The mat has a strong chemical smell that does not go away "
            "after a week. За этот товар оплачено 12,50\u00a0$ с учётом доставки. Я верну товар и "
            "прошу частичный возврат денег в размере 3,00\u00a0$. Приложено: 1 фото."
        ),
    ),
    "in-transit": (
        (
            "Order 8123456789012345. I have not received the item. The package is still in "
            "transit. The tracking number LP00123456789 last updated on 12 November 2026: "
            "'Arrived at sorting center'. Delivery was promised by 25 November 2026. I contacted "
            "the seller on 26 November 2026, before opening this dispute. The seller only asked "
            "me to wait longer. I paid 2,490.00 RUB for this item, shipping included. I request a "
            "full refund. Attached: 2 screenshots."
        ),
        (
            "Заказ 8123456789012345. Товар до меня не дошёл. Посылка всё ещё в пути. Отслеживание "
            "по трек-номеру LP00123456789 последний раз обновлялось 12 ноября 2026 года: «Arrived "
            "at sorting center». Доставку обещали до 25 ноября 2026 года. Сообщение продавцу "
            "отправлено 26 ноября 2026 года, ещё до открытия спора. Продавец только попросил "
            "подождать ещё. За этот товар оплачено 2\u00a0490,00\u00a0₽ с учётом доставки. Прошу "
            "полный возврат денег. Приложено: 2 скриншота."
        ),
    ),
    "no-tracking": (
        (
            "Order 8123456789012345. I have not received the item. The tracking gives no current "
            "information about the package. Tracking number: RB123456785CN. Delivery was promised "
            "by 20 November 2026. I contacted the seller before opening this dispute. The seller "
            "did not answer. I paid 10.99 USD for this item, shipping included. I request a full "
            "refund. Attached: 1 screenshot."
        ),
        (
            "Заказ 8123456789012345. Товар до меня не дошёл. Отслеживание не даёт актуальных "
            "сведений о посылке. Трек-номер: RB123456785CN. Доставку обещали до 20 ноября 2026 "
            "года. Сообщение продавцу отправлено ещё до открытия спора. Продавец не ответил. За "
            "этот товар оплачено 10,99\u00a0$ с учётом доставки. Прошу полный возврат денег. "
            "Приложено: 1 скриншот."
        ),
    ),
    "returned-to-seller": (
        (
            "Order 8123456789012345. I have not received the item. The tracking shows that the "
            "package was returned to the seller. The tracking number LP00123456789012 last "
            "updated on 18 November 2026: 'Returned to sender'. I paid 1,173.00 RUB for this "
            "item, shipping included. I request a full refund. Attached: 1 screenshot."
        ),
        (
            "Заказ 8123456789012345. Товар до меня не дошёл. По данным отслеживания посылка "
            "возвращена продавцу. Отслеживание по трек-номеру LP00123456789012 последний раз "
            "обновлялось 18 ноября 2026 года: «Returned to sender». За этот товар оплачено "
            "1\u00a0173,00\u00a0₽ с учётом доставки. Прошу полный возврат денег. Приложено: 1 "
            "скриншот."
        ),
    ),
    "customs": (
        (
            "Order 8123456789012345. I have not received the item. The package is held at "
            "customs. The tracking number UB123456789CN last updated on 15 November 2026. I paid "
            "45.00 USD for this item, shipping included. I request a full refund."
        ),
        (
            "Заказ 8123456789012345. Товар до меня не дошёл. Посылка задержана на таможне. "
            "Отслеживание по трек-номеру UB123456789CN последний раз обновлялось 15 ноября 2026 "
            "года. За этот товар оплачено 45,00\u00a0$ с учётом доставки. Прошу полный возврат "
            "денег."
        ),
    ),
    "wrong-address": (
        (
            "Order 8123456789012345. I have not received the item. The package was delivered, but "
            "not to me. The tracking number YT2412345678901234 last updated on 21 November 2026: "
            "'Delivered'. I paid 20.00 USD for this item, shipping included. I request a full "
            "refund. Attached: 2 screenshots."
        ),
        (
            "Заказ 8123456789012345. Товар до меня не дошёл. Посылку доставили, но не мне. "
            "Отслеживание по трек-номеру YT2412345678901234 последний раз обновлялось 21 ноября "
            "2026 года: «Delivered». За этот товар оплачено 20,00\u00a0$ с учётом доставки. Прошу "
            "полный возврат денег. Приложено: 2 скриншота."
        ),
    ),
    "fake-tracking": (
        (
            "Order 8123456789012345. I have not received the item, although it is reported as "
            "delivered. The tracking last updated on 10 November 2026: 'Delivered'. I contacted "
            "the seller on 20 November 2026, before opening this dispute. The seller did not "
            "answer. I confirmed receipt on AliExpress, but the item has not arrived. I paid "
            "39.99 USD for this item, shipping included. I request a full refund. Attached: 1 "
            "screenshot."
        ),
        (
            "Заказ 8123456789012345. Товар до меня не дошёл, хотя значится доставленным. "
            "Отслеживание последний раз обновлялось 10 ноября 2026 года: «Delivered». Сообщение "
            "продавцу отправлено 20 ноября 2026 года, ещё до открытия спора. Продавец не ответил. "
            "Получение подтверждено на AliExpress, но товар не пришёл. За этот товар оплачено "
            "39,99\u00a0$ с учётом доставки. Прошу полный возврат денег. Приложено: 1 скриншот."
        ),
    ),
    "other-not-received": (
        (
            "Order 8123456789012345. I have not received the item. I contacted the seller before "
            "opening this dispute. The seller only asked me to wait longer. I request a full "
            "refund."
        ),
        (
            "Заказ 8123456789012345. Товар до меня не дошёл. Сообщение продавцу отправлено ещё до "
            "открытия спора. Продавец только попросил подождать ещё. Прошу полный возврат денег."
        ),
    ),
}


def test_every_reason_has_a_golden_case() -> None:
    assert {case.d.reason for case in CASES.values()} == set(Reason)
    assert set(GOLDEN) == set(CASES)


@pytest.mark.parametrize("name", list(GOLDEN))
def test_english(name: str) -> None:
    case = CASES[name]
    text = compose_claim(case.d, case.facts, case.evidence, tz=MOSCOW).text
    assert text == GOLDEN[name][0]
    assert text.isascii() and len(text) <= CLAIM_MAX_CHARS


@pytest.mark.parametrize("name", list(GOLDEN))
def test_russian(name: str) -> None:
    case = CASES[name]
    claim = compose_claim(
        case.d,
        case.facts,
        case.evidence,
        translations("ru"),
        locale="ru",
        money=Translator("ru").money,
        tz=MOSCOW,
    )
    assert claim.text == GOLDEN[name][1]


def test_the_leggings_keep_the_buyers_russian_words_out_of_the_english() -> None:
    case = CASES["leggings"]
    claim = compose_claim(case.d, case.facts, case.evidence, tz=MOSCOW)
    assert [(w.source, w.text) for w in claim.untranslated] == [
        ("item_title", "Леггинсы, 3 шт"),
        ("description", "Одни из трёх леггинсов пришли с дырками на швах, швы расходятся."),
    ]
    assert "Legginsy" not in claim.text and "sht" not in claim.text


def test_customs_keeps_the_russian_status_out_and_the_rest_in() -> None:
    case = CASES["customs"]
    claim = compose_claim(case.d, case.facts, case.evidence, tz=MOSCOW)
    assert [(w.source, w.text) for w in claim.untranslated] == [("trks", "Задержано таможней")]
    assert "UB123456789CN last updated on 15 November 2026." in claim.text
