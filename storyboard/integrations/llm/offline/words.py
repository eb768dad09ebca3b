"""The brief's own words as the offline writer speaks them: cleaned of symbols, sized, and classified
(what kind of product, which kind of audience, which tone)."""

from __future__ import annotations

import math
import re
import unicodedata

# Spoken Japanese runs at about 2.2 characters per English word of the 2.5 words/s budget.
JA_CHARS_PER_WORD = 2.2
_ENDS = ".!?…。！？؟"
_DROP = {0xFE0E, 0xFE0F, 0x200D, 0x20E3}
_NOT_SPOKEN = ("So", "Sk", "Co", "Cs", "Cn")

KINDS = {
    "drink": "coffee café cafe kaffee caffè espresso latte tea teas matcha 抹茶 コーヒー お茶 ラテ juice saft zumo "
    "suco succo water wasser agua água acqua beer bier bière cerveza cerveja birra lager wine wein vino vinho "
    "smoothie brew drink getränk boisson bebida bevanda قهوة شاي عصير مياه ジュース ビール soda",
    "food": "bread brot baguette boulangerie bäckerei panadería padaria panetteria pasta pizza snack cookie "
    "galletas biscotti biscuit meal mahlzeit repas comida refeição chocolate schokolade chocolat cioccolato "
    "burger food dinner abendessen dîner cena jantar sourdough bakery パン 料理 ラーメン خبز طعام وجبة dessert "
    "kitchen küche cuisine cocina cozinha cucina recipe",
    "tech": "app apps software vpn smartphone laptop computer ordinateur ordenador computador tablet headphone "
    "kopfhörer casque auriculares fones cuffie earbud cloud digital アプリ スマホ تطبيق هاتف wifi router "
    "gadget camera kamera",
    "money": "bank banco banca banque 銀行 بنك insurance versicherung assurance seguro assicurazione 保険 تأمين "
    "invest credit kredit crédit crédito credito loan account konto compte cuenta conto 口座 حساب "
    "finance finanz payment zahlung paiement pago pagamento bookkeeping invoice rechnung facture factura "
    "fatura fattura tax steuer",
    "beauty": "skin haut peau piel pele pelle 肌 بشرة serum sérum cream creme crème crema スキンケア 化粧 makeup "
    "make-up maquillage maquillaje maquiagem trucco perfume parfum profumo عطر 香水 shampoo hair haar cheveux "
    "cabello cabelo capelli beauty schönheit beauté belleza beleza bellezza glow lipstick cosmetic kosmetik "
    "cosmétique fashion dress kleid vestido",
    "home": "home haus zuhause wohnung maison hogar منزل بيت solar solaire paneles painéis pannelli ソーラー "
    "الشمس battery batterie batería bateria batteria energy energie énergie energía energia エネルギー طاقة "
    "strom électricité electricidad eletricidade elettricità كهرباء 電気 furniture möbel meubles muebles "
    "móveis mobili sofa mattress matratze detergent waschmittel lessive detergente エアコン مكيف "
    "klimaanlage climatiseur condizionatore cleaning",
    "active": "running runner lauf läufer correr corredor corrida corsa ランニング اركض عدّاء shoe schuh "
    "chaussure zapatilla tênis scarpe シューズ 靴 حذاء sport fitness gym workout training yoga hiking wandern "
    "randonnée senderismo trilha trail athlet",
    "travel": "hotel hôtel ホテル فندق travel reise voyage viaje viagem viaggio flight flug vuelo holiday "
    "vacation urlaub ferien vacances vacaciones férias vacanza resort pousada getaway beach strand plage "
    "playa praia spiaggia 旅 إجازة إقامة soggiorno estancia",
    "pets": "dog dogs puppy hund chien perro cachorro 犬 كلب cat cats kitten katze gato gatto 猫 قطة pet pets "
    "haustier paw pfote patte pata zampa",
    "kids": "baby bebé bébé bebê neonato 赤ちゃん رضيع kinder enfant niño criança bambin 子ども 子供 toddler toy "
    "spielzeug jouet juguete brinquedo giocattolo おもちゃ diaper windel couche pañal fralda pannolin",
    "mobility": "e-bike ebike bike fahrrad vélo bici bicicleta bicicletta 自転車 دراجة scooter motorbike "
    "motorrad elektroauto voiture coche carro 車 سيارة commute pendeln",
}
AUDIENCE_GROUPS = {
    "young": "teen gamer gaming student zoomer young youth jugendliche junge étudiant jeunes jóvenes "
    "estudiante jovens estudante giovani studenti 若者 学生 الشباب الطلاب طلاب",
    "parents": "parent famil mom moms mum mums dad dads mother father eltern mutter mütter väter mères padres "
    "genitori mamme 親 家族 ママ العائلات الأسر الآباء الأمهات",
    "pros": "business owner entrepreneur professional worker office freelancer manager berufstätig "
    "unternehmer selbstständig professionnel profesional empresario emprendedor profissional empresário "
    "professionist imprenditor 会社員 ビジネス 社会人 الأعمال الموظف المهني",
    "seniors": "senior retire grandparent rentner ruheständler großeltern retraité grands-parents jubilado "
    "abuelos aposentado avós pensionat nonni シニア 高齢 المتقاعد كبار السن",
}
TONE_WORDS = {
    "playful": "fun funny playful humor humour witty cheeky quirky lustig verspielt humorvoll drôle ludique "
    "divertido gracioso divertente giocoso 楽しい ユーモア مرح",
    "calm": "calm relax soothing gentle peaceful serene ruhig entspannt calme serein tranquilo sereno calmo "
    "tranquillo 穏やか 落ち着 هادئ",
    "warm": "warm heartfelt friendly emotional cosy cozy caring herzlich freundlich chaleureux cálido "
    "caloroso caldo accogliente 温か あたたか دافئ",
    "bold": "bold energetic energy dynamic exciting punchy upbeat edgy energisch dynamisch mutig énergique "
    "audacieux enérgico dinámico energético energico dinamico 元気 エネルギッシュ حماس جريء",
    "premium": "premium luxury luxurious elegant sophisticated upscale refined exclusive luxuriös edel "
    "hochwertig luxe élégant lujoso elegante luxuoso lussuoso 高級 上質 فاخر راق",
    "serious": "serious professional trustworthy factual authoritative informative seriös sachlich "
    "professionell sérieux professionnel serio profesional sério profissional 誠実 信頼 جاد موثوق",
}


def spoken(text: str | None) -> str:
    """Text fit to be read aloud: emoji and other symbols dropped, spacing tidied."""
    kept = "".join(c for c in str(text or "") if ord(c) not in _DROP and unicodedata.category(c) not in _NOT_SPOKEN)
    kept = " ".join(kept.split())
    return re.sub(r"\s+([,.;:!?…。、！？])", r"\1", kept).strip(" -–—:;,")


def sentence(text: str, end: str = ".") -> str:
    """`text` as a whole sentence: capitalised, with a full stop unless it has its own."""
    text = spoken(text)
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text[-1] in _ENDS else text + end


def cost(text: str, language: str | None) -> int:
    """How many words of the 2.5 words/s budget `text` takes to say."""
    if language == "ja":
        return math.ceil(len(re.sub(r"[\s\W_]", "", text)) / JA_CHARS_PER_WORD)
    return len(text.split())


def plural(product: str) -> bool:
    """Whether an English product name is plural ("Helios solar panels"); lone brand names are singular."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", product)
    if len(words) < 2:
        return False
    last = words[-1].lower()
    return last.endswith("s") and not last.endswith(("ss", "us", "is", "'s"))


def classify(text: str, table: dict[str, str]) -> str | None:
    """The key of `table` whose words `text` uses most (earlier keys win a tie), or None."""
    lowered = text.lower()
    scores = {key: sum(_has(lowered, w) for w in words.split()) for key, words in table.items()}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] else None


def _has(text: str, word: str) -> bool:
    if not word.isascii():
        return word in text
    # Latin words match at a word start, so "lauf" finds "Laufschuhe" and "app" does not find "happy";
    # words of three letters or fewer match whole ("tea" is not "team").
    end = r"(?![a-zà-ÿ])" if len(word) <= 3 else ""
    return re.search(rf"(?<![a-zà-ÿ]){re.escape(word)}{end}", text) is not None


def tone_of(text: str | None) -> str | None:
    """Which tone a tone description ("warm and witty") asks for, among those with lines."""
    return classify(text or "", TONE_WORDS)
