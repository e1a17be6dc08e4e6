"""English: the words of the rules understander, as data (patterns and word lists).

Another language is another package of the same names; the parser's control flow doesn't
change. Patterns are matched against normalised text (lower case, straight apostrophes).
"""

from assistant.understanding.rules.en.ids import *  # noqa: F403
from assistant.understanding.rules.en.patterns import *  # noqa: F403
from assistant.understanding.rules.en.reasons import *  # noqa: F403
from assistant.understanding.rules.en.structure import *  # noqa: F403
from assistant.understanding.rules.en.vocabulary import *  # noqa: F403
