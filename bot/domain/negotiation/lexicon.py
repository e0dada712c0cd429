"""What words mean to the rules: concepts, each with its English and Russian forms.

A declarative table. The rules (rules.py) speak only of concepts, so one rule serves English,
Russian and the mix of both that sellers write. Each form is written in a small notation:

    "word"            that word (typos within one edit are accepted for words of 6+ letters)
    "stem*"           the stem with any ending (typos accepted in stems of 5+ letters)
    "stem+|a|ov"      the stem with exactly these endings ("" = the stem alone)
    "=..."            no typo tolerance (short or easily confused words)

Russian forms are compared after a loose spelling fold (matcher.py) that forgives the usual
misspellings: unstressed о/а and е/и swapped, й as и, ь and ъ left out, letters doubled or not.
Endings are what make Russian inflection safe: "отмен+ите|ить" catches "отмените" and
"отменить" (asking the buyer to cancel) but not "отменён" (done by someone else).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["COMPOUNDS", "LEXICON", "NOT_TYPOS", "Concept"]


class Concept(StrEnum):
    """A meaning the rules look for. Values are only for reading debug output."""

    # closing the dispute
    CLOSE = "close"
    CLOSED = "closed"
    REMOVE = "remove"
    DISPUTE = "dispute"
    ESCALATE = "escalate"
    BETWEEN = "between"
    US = "us"
    RESEND = "resend"
    SEND = "send"
    NEW = "new"
    AGAIN = "again"
    CEASE = "cease"
    SOLVE = "solve"
    OPEN = "open"
    LATER = "later"
    REOPEN = "reopen"
    COMPLETE = "complete"
    # grammar
    IT = "it"
    IF = "if"
    NEG = "neg"
    NEG_CANCEL = "neg_cancel"
    STOP = "stop"
    SELLER = "seller"
    YOU = "you"
    ME = "me"
    OUR = "our"
    YOUR = "your"
    WILL = "will"
    WHEN = "when"
    THAN = "than"
    THROUGH = "through"
    # money and where it goes
    PAY = "pay"
    PAY_1P = "pay_1p"
    MONEY = "money"
    CHANNEL = "channel"
    DETAILS = "details"
    DIRECT = "direct"
    FASTER = "faster"
    SLOW = "slow"
    PAID = "paid"
    AUTO = "auto"
    SAME = "same"
    METHOD = "method"
    EXPENSE = "expense"
    AUTHORITY = "authority"
    # coupons
    COUPON = "coupon"
    CREDIT = "credit"
    STORE = "store"
    DISCOUNT = "discount"
    CODE = "code"
    NEXT = "next"
    ORDER = "order"
    GIFT = "gift"
    FREE = "free"
    # waiting
    WAIT = "wait"
    PATIENCE = "patience"
    THANKS = "thanks"
    MORE = "more"
    TIME = "time"
    DAYS = "days"
    AGO = "ago"
    PROCESS = "process"
    HOLD = "hold"
    ON = "on"
    # receipt and delivery
    CONFIRM = "confirm"
    RECEIPT = "receipt"
    RECEIVED = "received"
    MARK = "mark"
    DELIVERED = "delivered"
    SOURCE = "source"
    GET = "get"
    # terms
    CHANGE = "change"
    CHOOSE = "choose"
    SOLUTION = "solution"
    ONLY = "only"
    FULL = "full"
    RETURN = "return"
    BACK = "back"
    SEND_BACK = "send_back"
    ITEM = "item"
    REFUND = "refund"
    SHIPPING = "shipping"
    EXCLUDING = "excluding"
    HALF = "half"
    PORTION = "portion"
    PRICE = "price"
    PERCENT = "percent"
    # reviews and reasons
    FEEDBACK = "feedback"
    STARS = "stars"
    POSITIVE = "positive"
    NEGATIVE = "negative"
    REASON = "reason"
    # repair
    REPAIR = "repair"
    BRING = "bring"
    SERVICE = "service"
    SERVICE_RU = "service_ru"
    CENTER = "center"
    FIX = "fix"
    EASY = "easy"
    HOME = "home"
    REPLACE = "replace"
    YOURSELF = "yourself"
    PART = "part"
    SPARE = "spare"
    ENGINEER = "engineer"
    HELP = "help"
    # evidence
    UNBOXING = "unboxing"
    VIDEO = "video"
    PHOTO = "photo"
    UNCUT = "uncut"
    SHOT = "shot"
    ONE = "one"
    PAPER = "paper"
    WRITTEN = "written"
    CERTIFICATE = "certificate"
    OFFICIAL = "official"
    DOCUMENT = "document"
    AGENCY = "agency"
    WITNESS = "witness"
    FRONT = "front"
    STAFF = "staff"
    CONTINUOUS = "continuous"
    WEIGH = "weigh"
    # pressure
    REPORT = "report"
    BLOCK = "block"
    ACCOUNT = "account"
    FRAUD = "fraud"
    LEGAL = "legal"
    LAST = "last"
    WARNING = "warning"
    NOTHING = "nothing"
    FAVOUR = "favour"
    LOSE = "lose"
    EVERYTHING = "everything"
    INFORM = "inform"
    REGRET = "regret"
    REGRET_2P = "regret_2p"
    BEG = "beg"
    FIRE = "fire"
    FAMILY = "family"
    PUNISH = "punish"
    SHUT = "shut"
    # fair signs
    AGREE = "agree"
    REQUEST = "request"
    ASK_FOR = "ask_for"
    SORRY = "sorry"
    # set from context by the matcher, never from the table
    NUMBER = "number"
    ZERO = "zero"
    FIVE = "five"
    PART_PERCENT = "part_percent"
    VIA_PLATFORM = "via_platform"
    SAME_PATH = "same_path"
    ON_ARRIVAL = "on_arrival"


C = Concept

#: Real English words one typo away from a form above that mean something else: never read
#: as that typo ("policy" is not "police", "shopping" is not "shipping").
NOT_TYPOS: Final = frozenset(
    {
        "writing", "chose", "season", "repaid", "charged", "scanner", "polite", "policy",
        "layer", "flavor", "flavour", "shopping", "eight", "height", "recent", "though",
        "conform", "prevent", "master", "patent", "eating", "dating", "uniform", "banner",
        "custom", "carried", "warming", "mount", "tracing", "deliver", "preview", "resort",
    }
)  # fmt: skip

#: Two tokens that make one word when written together ("pay pal", "e-mail", "can not").
COMPOUNDS: Final = frozenset(
    {"paypal", "cannot", "email", "resend", "reship", "unboxing", "promocode", "aliexpress"}
)

LEXICON: Final[dict[Concept, tuple[str, ...]]] = {
    C.CLOSE: (
        "close", "=closr", "cancel", "cancle", "cansel", "cancell", "withdraw", "withdrow",
        "finish", "закро+йте|й|ете|ешь|ите", "закры+ть|вайте|вай|вать",
        "отмен+ите|и|ить|ять|яйте|яй|ишь|ете", "сним+ите|и|ешь|ете", "=снять",
        "отзов+ите|и", "отозв+ать|ите", "заверш+ите|ить|и",
    ),
    # "stop"/"end" are about the dispute only when it is named: a separate concept.
    C.CEASE: ("=end", "=stop", "прекрат+ите|ить|и"),
    C.OPEN: ("=open", "=opened", "=opening", "откр+ыть|оете|ойте|ой|ывайте|ывать"),
    C.LATER: ("=later", "=позже", "=потом"),
    C.REOPEN: ("reopen", "=re-open"),
    C.COMPLETE: ("complete",),
    C.SOLVE: ("=solve", "resolve", "settle", "=реш+им|ить|ать|аем", "улад+им|ить"),
    C.CLOSED: (
        "closed", "cancelled", "canceled", "withdrawn", "=отмен+ен|ена|ено", "=закрыт+|а|о",
        "=снят",
    ),
    C.REMOVE: ("remove", "delete", "убер+ите|и", "=убрать", "удал+ите|и|ить"),
    C.DISPUTE: (
        "dispute", "disputes", "disput", "=claim", "=case", "complaint", "=issue",
        "=ticket", "=спор+|а|е|у|ом|ы|ов", "диспут*", "претензи*",
    ),
    C.ESCALATE: ("escalate", "escalated", "escalation", "эскал*", "обостр*"),
    C.BETWEEN: ("between", "=между"),
    C.US: ("=us", "=нами", "=нас", "=собой"),
    C.RESEND: (
        "resend", "reship", "reshipment", "replacement", "переотправ*",
        "перешл+ем|ю|им", "переслать", "дошл+ем|ю|им",
    ),
    C.SEND: (
        "=send", "=ship", "отправ+им|лю|ить|ляем", "вышл+ем|ю|им", "выслать", "пришл+ем|ю",
    ),
    C.NEW: ("=new", "another", "=нов+ый|ую|ое|ого|ые|ых|ым|ой|ая"),
    C.AGAIN: ("again", "повторн*", "=заново", "=снова", "=раз"),
    C.IT: ("=it", "=его", "=него"),
    C.IF: ("=if", "unless", "otherwise", "=если", "=иначе"),
    C.NEG: (
        "=not", "=no", "=never", "=don't", "=dont", "=can't", "=cant", "=cannot", "=won't",
        "=wont", "=didn't", "=didnt", "=doesn't", "=doesnt", "=isn't", "=shouldn't",
        "=without", "=не", "=нет", "=ни", "=без", "=нельзя",
    ),
    C.NEG_CANCEL: (
        "=forget", "=hesitate", "=worry", "забуд*", "=могли", "=можете", "=мог", "=могла",
        "=хотите", "=хотели", "стесня*", "волну*", "пережива*", "беспоко*",
    ),
    C.STOP: (
        "=and", "=but", "=or", "=then", "=so", "=и", "=а", "=но", "=или", "=тогда",
        "=потом", "=затем", "=чтобы",
    ),
    # "можем вернуть" (we can refund): the verb's person names the seller.
    C.SELLER: ("=we", "=i", "=мы", "=я", "=можем", "=могу", "=готовы"),
    C.YOU: ("=you", "=u", "=вы", "=вас", "=ты", "=вам"),
    C.ME: ("=me", "=my", "=меня", "=мо+ю|й|ей|его"),
    C.OUR: ("=our", "=наш+|у|ей|а|его|и|ем"),
    C.YOUR: ("=your", "=own", "=ваш+|у|ей|а|его|и|ем", "=сво+й|и|ей|его|ем|ю"),
    C.WILL: ("=will", "=would", "=should", "=будет"),
    C.WHEN: ("=when", "=after", "=once", "=когда", "=после"),
    C.THAN: ("=than", "=чем"),
    C.THROUGH: ("through", "=via", "=by", "=через"),
    C.PAY: (
        "refund", "refunds", "reimburse", "compensate", "=pay", "transfer", "верн+уть|ем|у|ут",
        "возврат+ить|им", "перевед+ем|у", "перевест+и", "перечисл*", "выплат*", "компенсир*",
        "возмест*", "заплат+им|ить|ю", "оплат+им",
    ),
    C.PAY_1P: (
        "верн+ем|у", "перевед+ем|у", "перечисл+им|ю", "компенсир+уем|ую", "возмест+им",
        "заплат+им|ю", "оплат+им", "выплат+им", "=кин+у|ем", "=скин+у|ем",
    ),
    C.MONEY: (
        "money", "=cash", "=funds", "dollar", "dollars", "=usd", "=eur", "=euro", "=rub",
        "руб*", "деньг*", "=денег", "=денги", "средств+а|", "сумм+у|а|ы", "компенсац*",
        "compensation",
    ),
    C.CHANNEL: (
        "paypal", "paypall", "paypl", "пейпал*", "пэйпал*", "пайпал*", "=card", "=cards",
        "карт+а|у|е|ы|ой|очку|очка", "=bank", "=banks", "банк*", "western", "вестерн*",
        "=wire", "=iban", "swift", "alipay", "wechat", "=вичат", "=qiwi", "=киви", "yoomoney",
        "payoneer", "=wise", "transferwise", "revolut", "skrill", "=zelle", "=venmo",
        "moneygram", "=visa", "mastercard", "=сбп", "юнистрим*",
        "=юmoney", "юмани", "webmoney", "вебмани", "сбер*", "тиньк*", "=втб", "crypto",
        "=usdt", "bitcoin", "биткоин*", "крипт*", "wallet", "кошел*", "=сч+ет|ета|ету|етом",
    ),
    C.DETAILS: (
        "email", "=mail", "account", "=iban", "number", "реквизит*", "=номер+|а|у",
        "телефон*",
    ),
    C.DIRECT: (
        "directly", "=direct", "напрямую", "=минуя", "bypass", "outside", "=вне", "offline",
        "privately", "=private", "=лично", "=личк+у|е",
    ),
    C.FASTER: ("faster", "quicker", "быстре+е|й"),
    C.SLOW: ("=slow", "slowly", "=долго", "медлен*"),
    C.PAID: (
        "=paid", "=payed", "оплач*", "оплат+или|ил|ила|у|ой|а", "платил*", "=payment",
    ),
    C.AUTO: ("automatically", "automatic", "автоматическ*"),
    C.SAME: ("=same", "original", "=тот", "=ту", "=тем", "=той", "исходн*"),
    C.METHOD: ("method", "=way", "способ*"),
    C.EXPENSE: ("expense", "=cost"),
    C.AUTHORITY: (
        "aliexpress", "aliexpres", "=ali", "alibaba", "platform", "=system", "administration",
        "=admin", "mediator", "moderator", "алиэкспресс*", "алиекспресс*", "=али", "=алик",
        "платформ*", "систем+а|ы|у|е", "администрац*", "модератор*", "арбитр*",
    ),
    C.COUPON: (
        "coupon", "coupons", "=cupon", "=kupon", "voucher", "vouchers", "promocode", "=promo",
        "купон*", "промокод*", "ваучер*", "бонус*", "=балл+ы|ов|ами", "=points", "cashback",
        "кэшбэк*", "кешбэк*", "кешбек*", "кэшбек*", "=coins", "сертификат*",
    ),
    C.CREDIT: ("credit",),
    C.STORE: ("=store", "=shop", "магазин*"),
    C.DISCOUNT: ("discount", "discounts", "=off", "скидк*", "скидочн*"),
    C.CODE: ("=code", "=codes", "=код+|а|ы"),
    C.NEXT: ("=next", "future", "следующ*", "будущ*"),
    C.ORDER: ("=order", "=orders", "purchase", "purchases", "заказ*", "покупк*"),
    C.GIFT: ("=gift", "=gifts", "подар*"),
    C.FREE: ("=free", "бесплатн*"),
    C.WAIT: (
        "=wait", "waiting", "подожд+ите|ать|и|ете", "=ждите", "=жди", "=ждать",
        "ожида+йте|ть|й", "потерп+ите|и|еть", "дожд+итесь|ись|аться",
    ),
    C.PATIENCE: ("patient", "patience", "patiently", "терпени+е|я", "терпелив*"),
    C.THANKS: ("thank", "thanks", "=thx", "appreciat*", "спасибо", "благодар*"),
    C.HOLD: ("=hold",),
    C.ON: ("=on",),
    C.MORE: (
        "=more", "longer", "another", "=extra", "=еще", "=ещо", "=ищо", "дополнительн*",
    ),
    C.TIME: ("=time", "=времени", "=время"),
    C.DAYS: (
        "=day", "=days", "=week", "=weeks", "=month", "=months", "=дн+я|ей|и", "=день",
        "недел*", "месяц*",
    ),
    C.AGO: ("=ago", "=назад"),
    C.PROCESS: ("process", "processed", "processing", "обработ*"),
    C.CONFIRM: ("confirm", "confrim", "подтверд+ите|и|ить|ишь"),
    C.RECEIPT: (
        "receipt", "reciept", "receiving", "delivery", "получени+е|я|и", "вручени+е|я",
        "доставк+у|и",
    ),
    C.RECEIVED: ("received", "recieved", "recived", "=got", "=получил+и|а|"),
    C.MARK: (
        "=mark", "=click", "=press", "=tap", "нажм+ите|и", "кликн+ите|и", "отмет+ьте|ите",
        "=жмите", "=нажать",
    ),
    C.DELIVERED: (
        "delivered", "=signed", "вручен+а|о|ы|", "доставлен+а|о|ы|", "=получен+а|о|ы|",
    ),
    C.SOURCE: (
        "tracking", "=track", "трек*", "отслеживани*", "status", "статус*", "logistics",
        "logistic", "courier", "carrier", "=post", "почт*", "курьер*", "служб+а|ы",
        "company", "=system", "систем+а|ы|у|е", "=shows", "=show", "показыва*",
        "=данн+ым|ые", "=company",
    ),
    C.GET: ("=get", "receive", "arrive", "arrives", "получит+е|", "получишь", "=прид+ет"),
    C.CHANGE: (
        "change", "changed", "modify", "modified", "=edit", "edited", "update", "updated",
        "adjust", "adjusted", "=switch", "измен+или|ил|ите|ить|им", "помен+яли|ял|яйте|ять|яем",
        "смен+ите|ить|или|ил", "исправ+или|им", "отредактир*", "скорректир*",
    ),
    C.CHOOSE: (
        "choose", "=select", "=pick", "выбер+ите|и", "=выбрать", "укаж+ите|и",
    ),
    C.SOLUTION: (
        "solution", "=terms", "proposal", "=offer", "amount", "=plan", "решени+е|я|ем",
        "услови+я|е|й", "предложени+е|я|ем", "сумм+у|а|ы",
    ),
    C.ONLY: ("=only", "maximum", "=max", "=только", "=лишь", "максимум"),
    C.SHIPPING: ("shipping", "postage", "freight", "доставк*", "пересылк*"),
    C.EXCLUDING: ("excluding", "except", "=minus", "вычет+ом|а", "=кроме"),
    C.FULL: ("=full", "entire", "=whole", "полн+ую|ая|ый|ой|остью", "=всю"),
    C.RETURN: ("return", "returning", "возврат+|е|а|ом", "верн+уть|ите|и"),
    C.BACK: ("=back", "обратно"),
    C.SEND_BACK: ("=send", "=ship", "=post", "отправ+ьте|ите", "вышл+ите|и"),
    C.ITEM: ("=item", "=items", "=goods", "product", "products", "товар*"),
    C.REFUND: ("refund", "refunds", "возврат+|е|а|ом", "компенсац*"),
    C.HALF: ("=half", "половин*"),
    C.PORTION: ("=part", "=portion", "=часть", "=части"),
    C.PRICE: ("=price", "=cost", "стоимост*", "=цен+а|у|ы"),
    C.PERCENT: ("percent", "процент*"),
    C.FEEDBACK: (
        "feedback", "review", "reviews", "rating", "comment", "отзыв+|а|ы|у|ом", "оценк+у|а|и",
    ),
    C.STARS: ("=star", "=stars", "звезд*"),
    C.POSITIVE: (
        "positive", "=good", "=great", "=nice", "excellent", "хорош+ий|ую|ее|ие|ого",
        "положительн*", "отличн*",
    ),
    C.NEGATIVE: ("negative", "=bad", "плох+ой|ого|ую|ие", "негатив*", "отрицательн*"),
    C.REASON: ("reason", "reasons", "причин*"),
    C.REPAIR: (
        "repair", "repairs", "repaired", "technician", "reflash", "firmware", "ремонт*",
        "почин*", "отремонт*", "мастерск*", "=мастер", "прошивк*", "перепрош*",
    ),
    C.ENGINEER: ("engineer", "engineers", "technician", "инженер*", "техник+|и|а"),
    C.BRING: ("=take", "=bring", "отнес+ите|ти", "=сходите"),
    C.SERVICE: ("service",),
    C.SERVICE_RU: ("сервис*",),
    C.CENTER: ("center", "centre", "центр*"),
    C.FIX: ("=fix", "исправ+ить|ите|им"),
    C.EASY: ("=easy", "easily", "=simple", "=легко", "=просто"),
    C.HOME: ("=home", "=дома"),
    C.HELP: ("=help", "assist", "guide", "помож+ет|ем|ут", "=помочь"),
    C.REPLACE: ("replace", "замен+ите|ить|и"),
    C.YOURSELF: ("yourself", "=сами", "самостоятельно"),
    C.PART: (
        "=part", "=parts", "=board", "battery", "charger", "=cable", "adapter", "=button",
        "=screw", "=strap", "=lens", "детал*", "=плат+у|а|ы|ой", "=блок+|и|а", "аккумулятор*",
        "батаре*", "зарядк*", "кабел*", "кнопк*", "=винт+|ы|ик", "ремеш*", "пульт*", "линз*",
        "инструкци*",
    ),
    C.SPARE: ("=spare", "запасн*", "запчаст*"),
    C.UNBOXING: ("unboxing", "unpacking", "=unpack", "распаковк*", "вскрыти*"),
    C.VIDEO: ("video", "videos", "видео*", "ролик*"),
    C.PHOTO: (
        "photo", "photos", "picture", "pictures", "=pic", "=pics", "image", "images",
        "screenshot", "фото*", "снимк*", "скриншот*",
    ),
    C.UNCUT: ("=cut", "=cuts", "editing", "монтаж*", "=склеек", "склейк*"),
    C.SHOT: ("=shot", "=дубл+ем|ь", "=кадр+ом"),
    C.ONE: ("=one", "single", "=одним", "=один"),
    C.PAPER: ("paper", "бумаг*"),
    C.WRITTEN: ("written", "написан*"),
    C.CERTIFICATE: (
        "certificate", "laboratory", "=lab", "statement", "notarized", "notary", "справк+у|а|и",
        "экспертиз*", "заключени+е|я", "лаборатор*", "протокол*", "=акт+|а|ом", "нотариал*",
    ),
    C.OFFICIAL: ("official", "officially", "официальн*"),
    C.DOCUMENT: (
        "document", "documents", "=letter", "confirmation", "proof", "документ*", "письм+о|а",
        "подтверждени+е|я",
    ),
    C.AGENCY: (
        "=post", "=office", "customs", "police", "почт*", "таможн*", "полици*", "=court",
    ),
    C.WITNESS: ("witness", "witnesses", "свидетел*", "присутстви*"),
    C.FRONT: ("=front",),
    C.STAFF: ("=staff", "employee", "employees", "сотрудник*"),
    C.CONTINUOUS: ("continuous", "uninterrupted", "непрерывн*"),
    C.WEIGH: ("=weigh", "weight", "=scale", "=scales", "взвес*", "=вес+|ы|ами|ах", "=весов"),
    C.REPORT: ("report", "complain", "жалоб*", "пожалу+емся|юсь", "жалов+аться"),
    C.BLOCK: (
        "=block", "blocked", "=ban", "banned", "blacklist", "suspend*", "restrict*", "заблок*",
        "забан*", "блокир*",
    ),
    C.ACCOUNT: ("account", "аккаунт*"),
    C.FRAUD: (
        "fraud", "fraudulent", "=scam", "scammer", "=cheat", "cheating", "=liar", "=lying",
        "illegal", "extortion", "мошен*", "обман*", "аферист*", "незаконн*", "вымога*",
        "=вр+ете|ешь", "=лж+ете|ешь",
    ),
    C.LEGAL: ("=court", "lawyer", "=legal", "police", "=sue", "=суд+|е|а|ом", "полици*",
              "юрист*", "адвокат*", "прокурат*"),
    C.LAST: ("=last", "=final", "последн*"),
    C.WARNING: ("chance", "warning", "шанс*", "предупреждени*"),
    C.NOTHING: ("nothing", "=ничего"),
    C.FAVOUR: ("favour", "favor", "=польз+у|ой"),
    C.LOSE: ("=lose", "потеря+ете|ешь"),
    C.EVERYTHING: ("everything", "=всё", "=все"),
    C.INFORM: ("inform", "notify", "сообщ+им|ить", "уведом+им|ить"),
    C.REGRET: ("regret",),
    C.REGRET_2P: ("пожале+ете|ешь",),
    C.BEG: ("=beg", "begging", "умоля*", "пожалейте"),
    C.FIRE: ("=fire", "salary", "увол+ят|ит|ен", "зарплат*"),
    C.FAMILY: ("family", "=семь+я|ю|и"),
    C.SHUT: ("=shut", "=закро+ют|ет"),
    C.PUNISH: ("punish", "punished", "punishment", "penalty", "penalized", "накаж*", "наказ*",
               "оштраф*", "штраф*"),
    C.AGREE: (
        "agree", "agreed", "accept", "accepted", "approve", "approved", "соглас*", "одобр*",
        "прин+яли|ял|имаем|или",
    ),
    C.REQUEST: ("request", "application", "запрос*", "заявк*", "заявлени+е|я"),
    C.ASK_FOR: (
        "=send", "provide", "=take", "=show", "=make", "=attach", "пришл+ите|и",
        "сдела+йте|й", "покаж+ите|и", "сним+ите", "прикреп+ите|и",
    ),
    C.SORRY: ("sorry", "apologize", "apologise", "apologies", "apology", "извин*",
              "=прост+ите", "сожале*", "=жаль"),
}  # fmt: skip
