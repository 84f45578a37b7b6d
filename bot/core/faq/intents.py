"""What a message means before it is a question for the knowledge base: danger, a wish for a person, a greeting.

These are checked first, on the folded text (bot.core.common.text.fold: Simplified, lower case, no punctuation), so
「救命」, 「我車禍了有人受傷」 or "SOS" get the emergency numbers at once instead of a "did you mean", and
「我要找真人」 or "can I talk to someone" open a handoff like 「真人」. The FAQ entries `emergency` and
`talk_to_human` hold the answers; the learned matcher also reaches them from wordings these patterns miss.
"""

from __future__ import annotations

import re

from bot.core.common.text import fold

EMERGENCY_ENTRY = "emergency"
HUMAN_ENTRY = "talk_to_human"

# "talk to a human" typed in any language, in so few words that it needs no folding: it goes straight to a handoff
# (bot.handlers.desk.handoff.advisor) instead of through the FAQ matcher, and no flow takes it as an answer.
HUMAN_REQUEST = (
    r"(?i)^\s*(轉人工|转人工|人工客服|人工服務|人工服务|真人|找人|找客服|找顧問|找顾问|我要人工|"
    r"(我)?(要|想)?找真人|我要真人|我想跟真人說話|我想跟真人说话|"
    r"talk to (a )?(human|person|real person|agent|advisor|adviser)|human( please)?|real person|agent|"
    r"i (need|want) (to talk to |to speak to )?(a )?(real person|human|person)|"
    r"(can|could) i (talk|speak) (to|with) (someone|somebody|a person|a human|a real person))"
    r"\s*[.!?。！？]*\s*$"
)

# Danger or injury: people hurt, someone trapped, a cry for help ("help me!", "HELP urgent", "i need help right
# now"; not "can you help me file a claim", a request for the bot's help)...
_EMERGENCY = re.compile(
    r"救命|救救|sos|受伤|伤者|流血|出血|昏迷|晕倒|昏倒|不省人事|没有意识|没意识|被困|困在车|卡在车里|"
    r"撞到人|撞伤|急救|救护车|"
    r"(?<![a-z])(emergency|injured|injury|injuries|got hurt|am hurt|is hurt|are hurt|badly hurt|bleeding|"
    r"(anyone|anybody|someone|somebody|people|driver|passenger|kid|child|baby|wife|husband)( is| got| was| are)? hurt|"
    r"unconscious|trapped|ambulance|hit a pedestrian|hit someone|help help|cpr|passed out|fainted|"
    r"(not|stopped|isn t|is not|can t|cannot|trouble) breath(e|ing)|(he|she|they|someone|somebody) (is |are |s )?"
    r"breathing|make (him|her|them) breathe|thrown from|drowning|(car|we) (is |s |are |re )?sinking|"
    r"(car|we) (flipped|rolled) over|overturned|"
    r"get (him|her|them|the kids|the children|my (son|daughter|kid|kids|child|children|baby|wife|husband|"
    r"mother|father|mom|dad|friend)) out|(car|battery) (is |s )burning(?! oil)|"
    r"help (urgent|urgently|asap|quick|quickly|now|right now)|urgent help|need (urgent |immediate )?help (right )?now|"
    r"help (me|us)( (now|right now|quick|quickly|asap|someone|somebody|i m|im|i am|we re|we are|get out))?$|"
    r"help (me|us) (i m|im|i am|we re|we are|someone|somebody|get out))(?![a-z])"
)
# ...unless nobody is hurt: 「冇人受傷」, "no one was injured" is an accident to deal with, not an emergency.
_NOBODY_HURT = re.compile(
    r"(?<!有)(没有人|没人|冇人|无人|没有|冇|无|未|不|都没|都冇)(有)?(受伤|伤者|伤到|流血)|"
    r"(?<![a-z])(no one|noone|nobody|no body|none of us|not|no)( is| was| were| got| s| has been| have been)?"
    r" (hurt|injured|injury|injuries|bleeding)(?![a-z])"
)
# ...and fire or smoke (着火 and Taiwan's 著火), unless the message is about the paperwork of one
# (「電池起火三包怎麼處理」), is 打不着火 / 打唔着火 (won't start), or asks whether it could happen
# (「充一晚上會不會爆炸」, "can an ev catch fire?"; not 「可能着火了」 or 「可能在冒煙」: it is happening).
_FIRE = re.compile(
    r"(?<![不唔])[着著](咗)?火|起火|失火|烧起来|冒烟|爆炸|(?<![a-z])(on fire|caught fire|fire|smoke|smoking)(?![a-z])"
)
_WHETHER = re.compile(
    r"(会不会|会否|会唔会|容易|可能|有没有可能|怎么防|防止|预防)[^，,。\s在]{0,6}?([着著]火|起火|爆炸|冒烟|自燃)(?![了啦咗喇])|"
    r"(?<![a-z])(can|could|will|would|might|do|does|is it possible)( \w+){0,4} (catch fire|explode|go on fire)"
)
_PAPERWORK = re.compile(r"三包|保修|理赔|赔偿|保险|索赔|退车|换车|warranty|claim|insurance|cover|refund|replace")
# Asking for a person in so many words (the short forms 真人, 轉人工, "human" are HUMAN_REQUEST's).
_HUMAN = re.compile(
    r"^(我)?(要|想|需要)?(找|跟|和|同)?(真人|人工|客服人员|服务顾问|真人客服|人工客服|一个真人|活人)(说话|聊|聊天|讲|倾偈|服务)?$|"
    r"^(我)?(要|想)?(找|跟|同)(人|真人|人工|顾问|客服)(说话|聊|讲|倾偈)?$|"
    r"^(请问)?(怎么|如何|怎样)(联系|找|转|接通)(人工客服|人工|真人客服|真人|客服人员|服务顾问)$|"
    r"^(i )?(need|want|would like) (to )?(talk to |speak to |speak with |talk with )?"
    r"(a |an )?(real |live )?(person|human|agent|advisor|adviser|somebody|someone)( now)?$|"
    r"^(can|could|may) i (talk|speak|chat) (to|with) (a |an )?(real |live )?"
    r"(person|human|agent|advisor|adviser|someone|somebody|staff)( now)?$|"
    r"^(talk|speak) (to|with) (someone|somebody|a real person|a live person|staff)$"
)
_GREETING = re.compile(
    r"^(hi+|hey+|hello+|hallo|yo|good (morning|afternoon|evening)|thanks?( you)?( so much| very much| a lot)?|"
    r"thx|ty|cheers|bye|goodbye|see you|ok(ay)?( thanks?)?|got it)( there| again| all)?$"
)


def is_emergency(text: str) -> bool:
    """Whether the message sounds like danger or injury."""
    folded = fold(text)
    if _EMERGENCY.search(_NOBODY_HURT.sub(" ", folded)):
        return True
    return bool(_FIRE.search(_WHETHER.sub(" ", folded))) and not _PAPERWORK.search(folded)


def asks_for_a_person(text: str) -> bool:
    """Whether the message is only a request to talk to a person."""
    return bool(_HUMAN.match(fold(text).strip()))


def is_latin_greeting(text: str) -> bool:
    """ "hi", "thanks!", "good morning": a few Latin words of courtesy, not a change of language."""
    return bool(_GREETING.match(re.sub(r"[^a-z ]+", " ", text.lower()).strip().replace("  ", " ")))


# A typed answer to the booking's "which service?" (canonical text: synonyms already rewritten, bot.core.faq.matcher).
_SERVICE_WORDS = (
    ("inspection", re.compile(r"年检")),
    ("warranty", re.compile(r"三包|保修|召回")),
    ("bodywork", re.compile(r"钣喷|钣金|喷漆|事故车")),
    ("maintenance", re.compile(r"保养|首保|机油|滤芯")),
    ("repair", re.compile(r"修|故障|异响|(?<![a-z])(repair|fix|broken|noise)(?![a-z])")),
    ("other", re.compile(r"其他|其它|别的|(?<![a-z])(other|something else)(?![a-z])")),
)


def service_type(canonical: str) -> str | None:
    """The service a typed answer names (「保養」 → maintenance), or None."""
    return next((kind for kind, words in _SERVICE_WORDS if words.search(canonical)), None)
