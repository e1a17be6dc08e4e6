"""English words: spelling fixes, words that never name an item, word families."""

from __future__ import annotations

# --- spelling --------------------------------------------------------------------------------
# Common misspellings of the words the patterns above rely on; applied word by word before
# anything else is read (titles are matched typo-tolerantly later, not here).
TYPOS: dict[str, str] = {
    "cancle": "cancel", "cancell": "cancel", "canel": "cancel", "cancl": "cancel",
    "cansel": "cancel", "cancael": "cancel", "cancek": "cancel", "cnacel": "cancel",
    "cacnel": "cancel", "camcel": "cancel", "cancelation": "cancellation",
    "cancelations": "cancellations", "cancle'd": "cancelled", "cancled": "cancelled",
    "canceld": "cancelled", "cancelld": "cancelled", "canceling": "cancelling",
    "oder": "order", "ordr": "order", "orer": "order", "odrer": "order", "ordet": "order",
    "refnd": "refund", "refund's": "refunds", "shiped": "shipped", "shippped": "shipped",
    "deliverd": "delivered", "recieved": "received", "recieve": "receive",
    "pls": "please", "plz": "please", "plse": "please", "pleas": "please", "thx": "thanks",
    "ty": "thanks", "u": "you", "ur": "your", "r": "are", "dont": "don't", "wont": "won't",
    "cant": "can't", "im": "i'm", "ive": "i've", "didnt": "didn't", "isnt": "isn't",
    "doesnt": "doesn't", "havent": "haven't", "hasnt": "hasn't", "wasnt": "wasn't",
    "wanna": "want to", "gonna": "going to", "gotta": "have to", "whats": "what's",
    "thats": "that's", "theres": "there's", "id've": "i'd have", "sellr": "seller",
    "selller": "seller", "someting": "something", "anymore.": "anymore", "tho": "though",
    "b4": "before", "asap": "as soon as possible", "everythng": "everything",
    "evrything": "everything", "everyting": "everything",
    "evertyhing": "everything", "eveything": "everything", "mistaik": "mistake",
    "mistak": "mistake", "misstake": "mistake", "mistke": "mistake", "tonite": "tonight",
    "n": "and",
}

# Plurals that are also singulars (not to be cut to "glasse" or "serie").
UNCHANGED_PLURALS = frozenset({
    "glasses", "series", "species", "jeans", "pants", "shorts", "trousers", "scissors",
    "tongs", "headphones", "earphones", "sunglasses", "leggings", "pyjamas", "pajamas",
    "news", "goods", "clothes", "dishes", "lens", "bus", "gas", "canvas", "chess",
})

# --- words that never name an item -------------------------------------------------------------
# Grammar, dialogue, the shop's own vocabulary, reasons, time. Attribute words (colours,
# sizes) are *not* here: "the black one" may well name an item.
_STOP_TEXT = """
a about above actually after again ago all also am an and any anymore anything are as asap
at away back bad be because been before being both bought but buy by can cancel cancelled
canceled cancelling canceling cancellation cancellations cannot cant could customer
did do does doing done dont each either else email even everything except excluding for
from get gets getting give go going gone got had has have having he hello help her here hey hi
hola hallo bonjour ciao salut hiya
him his how however i id if im in instead into is isnt it its ive just keep kindly know
last latest least let like longer look looking made make many may me mine mistake more most
much must my myself need needed needs never no nope not now number of off ok okay on once
one ones only or order ordered orders other our out over part please pls plz purchase
purchased quickly rather real really reason refund refunded remaining remove request rest right
same see seller shall she should show since so some something soon still stop such sure
than thank thanks that thats the their them then there these they thing things this those
though through thx to today too total twice unfortunately until up us very wait want wanted
wants was way we well were what whats when where which while who whole why will with
without wont would yeah yes yesterday yet you your youre item items product products stuff
cancellable possible delivery shipping shipped status placed check tell entire everything
except apart besides minus plus additionally addition another first second third both either
id ids caller calling line tomorrow morning evening night week weeks day days hour
year years month months oh ah um uh haha hah btw next annoying typical seriously damn
shame bummer unfortunate frustrating ridiculous nice wonderful say said himself herself
itself themselves myself yourself
hours minute minutes moment hurry urgent urgently immediately sorry excuse guys mate recent
newest previous current most arrive arrives arriving come coming came elsewhere cheaper
better price deal able think guess maybe perhaps probably definitely surely certainly already
anyway verify verified mail postcode zip note 1st 2nd 3rd 4th 5th fourth fifth final listed
list stay stays staying remain remains kept keeping leave leaving fine meant wanted intended
two three pair couple lot rest others gone drop scrap rid via asked ask said says tuesday
monday wednesday thursday friday saturday sunday weekend night tonight ago earlier later
bought ordered order's purchase placed arrived arrives came sent send sending received
don won didn doesn isn wasn aren haven hasn hadn shouldn wouldn couldn ll ve re
honestly basically literally just simply kinda sorta lol thing's
remember recall forgot forget ahead hold whether stopped stop halted wondering wonder
curious alright
options option choices choice possibilities alternatives anything
parcel parcels package packages shipment shipments returns return centre center refuse
refusing refusal reject door doorstep courier driver warehouse tracking money card account
website app chat confirmation confirm confirmed proceed go flag flagged set arrange
sort handle organise organize
"""
_MORE_STOP_TEXT = """
yesterdays mornings todays tonights nights evenings afternoons weeks bday birthday
ugh argh hmm meh lol omg oops whoops yikes sigh asking went problems problem issue issues
safe sure havent hasnt isnt arent wasnt werent didnt doesnt dont wont cant shouldnt
wouldnt couldnt fair great cool awesome brilliant lovely perfect callers caller's few quick
put payment wheres whats hows whatever anything whichever typo typos thru gotten
"""
STOP_WORDS = frozenset(_STOP_TEXT.split()) | frozenset(_MORE_STOP_TEXT.split())

# Words that, alone, point at no particular item (they may still help tell two items apart).
GENERIC = frozenset({"set", "pack", "kit", "pair", "piece", "pieces", "x", "size", "color",
                     "colour", "new", "large", "small", "medium", "big", "inch", "cm"})

# --- word families: the same thing said differently ---------------------------------------------
_FAMILY_GROUPS: dict[str, str] = {
    "blue": "blue navy cobalt azure indigo royal denim sky turquoise teal petrol",
    "red": "red crimson scarlet burgundy maroon wine cherry ruby",
    "green": "green olive sage mint emerald forest lime khaki teal jade petrol",
    "grey": "grey gray charcoal graphite slate silver ash anthracite",
    "black": "black jet ebony onyx midnight",
    "white": "white ivory cream snow offwhite",
    "brown": "brown tan beige chocolate coffee walnut camel taupe chestnut mocha oatmeal sand "
             "sandy stone natural",
    "pink": "pink rose blush salmon fuchsia magenta",
    "purple": "purple violet lilac lavender plum mauve",
    "yellow": "yellow mustard gold golden lemon ochre",
    "orange": "orange terracotta rust coral amber copper",
    "wood": "wood wooden oak pine walnut teak bamboo birch beech timber maple acacia",
    "metal": "metal metallic steel stainless iron aluminium aluminum brass copper chrome",
    "leather": "leather suede faux",
    "ceramic": "ceramic porcelain stoneware earthenware clay",
    "wool": "wool woollen woolen knit knitted cashmere merino fleece",
    "pan": "pan skillet frying fryingpan wok griddle",
    "pot": "pot saucepan stockpot casserole",
    "mug": "mug cup",
    "sofa": "sofa couch settee loveseat",
    "blanket": "blanket throw",
    "rug": "rug carpet runner",
    "mat": "mat doormat",
    "lamp": "lamp lampe",
    "headphone": "headphone headset earphone earbud earpod",
    "phone": "phone smartphone mobile cellphone iphone",
    "cover": "case cover sleeve",
    "guard": "guard shield protector",
    "reader": "reader ereader kindle kobo",
    "aquarium": "aquarium tank fishtank",
    "sunglasses": "sunglasses shades sunnies",
    "planter": "planter pot flowerpot plantpot",
    "curtain": "curtain drape panel voile blind",
    "blender": "blender smoothie liquidiser liquidizer nutribullet",
    "barbecue": "barbecue bbq braai",
    "cable": "cable cord lead wire",
    "charger": "charger adapter adaptor plug",
    "laptop": "laptop notebook computer",
    "tv": "tv television telly",
    "shoe": "shoe sneaker trainer runner boot welly wellies wellington",
    "trouser": "trouser pant jean jogger sweatpant chino",
    "sweater": "sweater hoodie sweatshirt jumper pullover cardigan",
    "shirt": "shirt tshirt tee top blouse",
    "coat": "coat jacket parka anorak",
    "bag": "bag backpack rucksack tote satchel",
    "bottle": "bottle flask thermos",
    "vacuum": "vacuum hoover vac",
    "book": "book paperback hardback hardcover novel",
    "pillow": "pillow cushion",
    "duvet": "duvet comforter quilt",
    "sheet": "sheet bedsheet bedding linens",
    "screen": "screen monitor display",
    "turntable": "turntable record vinyl gramophone phonograph",
    "speaker": "speaker soundbar",
    "watch": "watch smartwatch",
    "toy": "toy plush teddy",
    "brick": "brick lego block",
    "stroller": "stroller pram buggy pushchair",
    "pole": "pole stick",
    "stand": "stand holder rack",
    "kid": "kid child children toddler baby junior",
    "small": "small little mini compact tiny",
    "big": "big large huge xl giant",
    "kettle": "kettle",
    "grinder": "grinder mill",
    "knife": "knife knive blade",
    "vase": "vase",
    "chair": "chair seat stool",
    "table": "table desk",
    "shelf": "shelf shelving bookcase",
    "light": "light bulb",
    "perfume": "perfume parfum fragrance cologne scent toilette",
    "headlamp": "headlamp headtorch headlight",
    "torch": "torch flashlight",
    "food": "food meal snack ration",
}


def _families() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for family, members in _FAMILY_GROUPS.items():
        for word in members.split():
            out.setdefault(word, set()).add(family)
    return {w: frozenset(f) for w, f in out.items()}


FAMILIES: dict[str, frozenset[str]] = _families()
