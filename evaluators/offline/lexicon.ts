/**
 * Small closed word lists the offline backend needs: stopwords, negation cues, antonym pairs,
 * number words, calendar words, and the phrases of refusals and filler. General English only;
 * nothing here was taken from the labelled data.
 */

export const STOPWORDS: ReadonlySet<string> = new Set(
  `a an the and or but if then else of at by for with about against between into through during
  before after above below to from up down in out on off over under again further once here there
  when where why how all any both each few more most other some such only own same so than too very
  s t can will just don should now is are was were be been being have has had having do does did
  doing would could might must shall may i me my myself we our ours ourselves you your yours
  yourself yourselves he him his himself she her hers herself it its itself they them their theirs
  themselves what which who whom this that these those am as until while also its it's i'm i've
  i'd i'll you're you've he's she's we're they're that's there's what's let's yes yeah oh well
  like really get got go going gone know think lot lots one thing things something anything
  everything much many way ve ll re d m o y ain isn aren wasn weren hasn haven hadn doesn didn won
  wouldn shan shouldn couldn mustn mightn needn`.split(/\s+/),
);

/**
 * Words an answer uses about itself, its sources or the flow of its argument rather than about the
 * world: "Based on the given passages, …", "The article highlights …", "However, …". They state
 * nothing a source must hold, so they are not checked; on real answers (RAGTruth) they were the
 * commonest "unsupported" words of supported answers.
 */
export const FRAMING_WORDS: ReadonlySet<string> = new Set(
  `based given provided passage passages context contexts document documents source sources text
  article articles summary summaries summarize summarise summarized summarised word words answer
  answers question questions information info data overview note noted mention mentions mentioned
  according however therefore thus hence additionally additional furthermore moreover overall
  including include includes included various specific specifically particular particularly main
  mainly generally although though despite regarding refer
  refers referenced highlight highlights highlighted describe describes described discuss discusses
  discussed detail details detailed explain explains explained unable able specify specified
  another json`.split(/\s+/),
);

/** Words that flip a statement. `n't` is split off by the tokeniser and appears as `not`. */
export const NEGATIONS: ReadonlySet<string> = new Set([
  "not",
  "no",
  "never",
  "none",
  "nobody",
  "nothing",
  "neither",
  "nor",
  "nowhere",
  "without",
  "cannot",
  "hardly",
  "barely",
  "lack",
  "lacks",
  "lacked",
  "fail",
  "fails",
  "failed",
  "unable",
]);

const ANTONYM_PAIRS = `increase decrease|increased decreased|increases decreases|increasing decreasing
rise fall|rose fell|rising falling|risen fallen|gain loss|gains losses|gained lost|up down
higher lower|high low|highest lowest|more less|more fewer|most least|larger smaller|large small
largest smallest|big small|bigger smaller|biggest smallest|long short|longer shorter|many few
strong weak|stronger weaker|strongest weakest|positive negative|good bad|better worse|best worst
success failure|successful unsuccessful|succeed fail|succeeded failed|win lose|won lost|wins losses
winner loser|before after|earlier later|early late|first last|start end|began ended|begin end
open close|opened closed|accept reject|accepted rejected|approve reject|approved rejected
allow ban|allowed banned|allow prohibit|support oppose|supported opposed|supports opposes
agree disagree|agreed disagreed|include exclude|included excluded|increase cut|raise cut|raised cut
buy sell|bought sold|buyer seller|import export|imports exports|profit loss|profits losses
rich poor|richer poorer|old young|older younger|oldest youngest|old new|new used|ancient modern
hot cold|warm cool|wet dry|light dark|heavy light|fast slow|faster slower|quick slow|easy hard
easy difficult|simple complex|cheap expensive|cheaper costlier|safe dangerous|safe unsafe
true false|correct incorrect|right wrong|legal illegal|public private|internal external
domestic foreign|male female|man woman|men women|boy girl|husband wife|father mother|son daughter
brother sister|king queen|north south|east west|northern southern|eastern western|left right
above below|inside outside|internal external|top bottom|front back|upper lower|minimum maximum
min max|add remove|added removed|adding removing|gain lose|attack defend|attacked defended
arrive depart|arrived departed|enter exit|entered exited|push pull|give take|gave took|send receive
sent received|borrow lend|lent borrowed|teach learn|ask answer|question answer|present absent
alive dead|live die|lived died|birth death|born died|love hate|loved hated|like dislike|liked disliked
happy sad|happier sadder|friend enemy|friends enemies|ally enemy|allies enemies|peace war
victory defeat|victories defeats|guilty innocent|convicted acquitted|arrest release|arrested released
hire fire|hired fired|employ dismiss|employed unemployed|join leave|joined left|stay leave
remain leave|found lost|find lose|keep lose|kept lost|save spend|saved spent|save waste|expand shrink
expanded shrank|expansion contraction|grow shrink|grew shrank|growth decline|boost cut|boosted cut
improve worsen|improved worsened|improvement deterioration|strengthen weaken|strengthened weakened
increase reduce|increased reduced|raise lower|raised lowered|maximum minimum|majority minority
all none|always never|everyone nobody|everything nothing|often rarely|frequently rarely|usually rarely
sometimes never|possible impossible|likely unlikely|probable improbable|certain uncertain
known unknown|visible invisible|same different|similar different|equal unequal|full empty
complete incomplete|finished unfinished|partial complete|temporary permanent|temporarily permanently
single married|asleep awake|sleep wake|on off|yes no|pass fail|passed failed|remember forget
remembered forgot|include omit|confirm deny|confirmed denied|admit deny|admitted denied|true untrue
praise criticize|praised criticized|praise criticise|praised criticised|reward punish|rewarded punished
optimistic pessimistic|optimism pessimism|bull bear|bullish bearish|surplus deficit|asset liability
assets liabilities|credit debit|income expense|revenue cost|inflow outflow|export import|exporter importer
urban rural|city country|land sea|day night|morning evening|summer winter|spring autumn|sunrise sunset
ahead behind|forward backward|inward outward|upward downward|upstairs downstairs|uphill downhill
beginning end|arrival departure|entrance exit|input output|offense defense|offence defence
offensive defensive|victim perpetrator|plaintiff defendant|prosecution defense|employer employee
teacher student|parent child|parents children|host guest|landlord tenant|seller buyer|supply demand
win loss|winning losing|gained fell|climb drop|climbed dropped|jump drop|jumped dropped|surge plunge
surged plunged|soar plummet|soared plummeted|beat miss|beat missed|exceed miss|exceeded missed
above under|over under|overestimate underestimate|overestimated underestimated|underperform outperform
cheapest dearest|lowest highest|maximize minimize|maximise minimise|most fewest|least most
agree refuse|agreed refused|accept refuse|accepted refused|allow forbid|allowed forbade|legalize ban
legalized banned|enable disable|enabled disabled|activate deactivate|connect disconnect
connected disconnected|lock unlock|locked unlocked|load unload|loaded unloaded|pack unpack
appear disappear|appeared disappeared|honest dishonest|loyal disloyal|obey disobey|like unlike
fair unfair|happy unhappy|healthy unhealthy|wise unwise|common rare|commonly rarely|normal abnormal
regular irregular|responsible irresponsible|relevant irrelevant|rational irrational|moral immoral
mature immature|patient impatient|polite impolite|possible impossible|proper improper|logical illogical
literate illiterate|legitimate illegitimate|capable incapable|competent incompetent|efficient inefficient
effective ineffective|adequate inadequate|accurate inaccurate|active inactive|direct indirect
dependent independent|formal informal|sufficient insufficient|stable unstable|able unable|aware unaware
fortunate unfortunate|lucky unlucky|pleasant unpleasant|popular unpopular|usual unusual|willing unwilling
controlled uncontrolled|surprising unsurprising|expected unexpected|employed unemployed|armed unarmed
paid unpaid|limited unlimited|official unofficial|conscious unconscious|certain uncertain|clear unclear
secure insecure|visible invisible|mortal immortal|perfect imperfect|legal illegal|agreement disagreement
approval disapproval|advantage disadvantage|continue discontinue|continued discontinued|obey defy
sufficient lacking|rise drop|rises drops|rising dropping|profitable unprofitable|profitability losses
acquire divest|acquired sold|merge split|merged split|hire layoff|hiring layoffs|bullish cautious
optimistic cautious|confident worried|calm angry|relaxed stressed|quiet loud|quietly loudly
specific generic|specific general|minor major|junior senior|inferior superior|voluntary mandatory
voluntarily forcibly|optional mandatory|mandatory voluntary|partial total|partially fully|direct indirect
primary secondary|native foreign|local national|local global|national international|inbound outbound
ascending descending|underweight overweight|understaffed overstaffed|undervalued overvalued
lowered raised|cutting raising|reduces increases|reduced raised|shrinking growing|decline growth
declined grew|declining growing|falling growing|weaken strengthen|weakened strengthened|loss profit
deficit surplus|debt savings|spend save|spending saving|expensive affordable|costly cheap|slowly quickly
slow rapid|slower faster|gradual sudden|gradually suddenly|rare frequent|rarely often|seldom often`;

/** Pairs of opposite words, both directions, lowercase. */
export const ANTONYMS: ReadonlyMap<string, ReadonlySet<string>> = buildAntonyms(ANTONYM_PAIRS);

function buildAntonyms(text: string): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  const add = (a: string, b: string): void => {
    let set = map.get(a);
    if (!set) {
      set = new Set();
      map.set(a, set);
    }
    set.add(b);
  };
  for (const pair of text.split(/[|\n]/)) {
    const [a, b] = pair.trim().split(/\s+/);
    if (!a || !b || a === b) continue;
    add(a, b);
    add(b, a);
  }
  return map;
}

/** Prefixes that usually negate the stem: `unsurprising` against `surprising`. */
export const NEGATING_PREFIXES = ["un", "in", "im", "il", "ir", "dis", "non", "mis"] as const;

export const NUMBER_WORDS: ReadonlyMap<string, number> = new Map([
  ["zero", 0],
  ["one", 1],
  ["two", 2],
  ["three", 3],
  ["four", 4],
  ["five", 5],
  ["six", 6],
  ["seven", 7],
  ["eight", 8],
  ["nine", 9],
  ["ten", 10],
  ["eleven", 11],
  ["twelve", 12],
  ["thirteen", 13],
  ["fourteen", 14],
  ["fifteen", 15],
  ["sixteen", 16],
  ["seventeen", 17],
  ["eighteen", 18],
  ["nineteen", 19],
  ["twenty", 20],
  ["thirty", 30],
  ["forty", 40],
  ["fifty", 50],
  ["sixty", 60],
  ["seventy", 70],
  ["eighty", 80],
  ["ninety", 90],
  ["hundred", 100],
  ["dozen", 12],
  ["first", 1],
  ["second", 2],
  ["third", 3],
  ["fourth", 4],
  ["fifth", 5],
  ["sixth", 6],
  ["seventh", 7],
  ["eighth", 8],
  ["ninth", 9],
  ["tenth", 10],
  ["half", 0.5],
  ["twice", 2],
  ["double", 2],
  ["triple", 3],
  ["once", 1],
]);

export const MULTIPLIERS: ReadonlyMap<string, number> = new Map([
  ["hundred", 1e2],
  ["thousand", 1e3],
  ["k", 1e3],
  ["million", 1e6],
  ["m", 1e6],
  ["mn", 1e6],
  ["billion", 1e9],
  ["bn", 1e9],
  ["b", 1e9],
  ["trillion", 1e12],
]);

export const CALENDAR_WORDS: ReadonlySet<string> = new Set(
  `january february march april may june july august september october november december jan feb mar
  apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
  yesterday today tomorrow tonight week weekend month year decade century quarter morning afternoon
  evening night spring summer autumn fall winter`.split(/\s+/),
);

/** Whole-answer patterns of a refusal or a non-answer: nothing in it is checkable. */
export const REFUSAL_PATTERNS: readonly RegExp[] = [
  /\b(i|we) (do not|don't|dont|cannot|can't|can not|am unable to|are unable to) (know|say|tell|answer|help|find|determine|provide|confirm)\b/i,
  /\b(i'?m|i am|we are) (not sure|unsure|not certain|sorry|afraid)\b/i,
  /\bno (relevant )?(information|data|details|mention|answer)\b.*\b(context|provided|given|available|documents?|sources?)\b/i,
  /\b(the )?(context|documents?|sources?|passages?) (does|do) not (say|mention|contain|provide|specify|include)\b/i,
  /\b(not|isn't|is not) (mentioned|specified|stated|provided|available) in\b/i,
  /\bas an ai\b/i,
  /\b(unable|not able) to (answer|help|provide|determine)\b/i,
  /^(sorry|apologies)\b/i,
];

/**
 * Clauses that say what the sources lack ("The normal BNP level is not specifically mentioned in
 * the given passages", "the documents do not provide a price"): statements about the context, not
 * about the world, so not claims it must support, however many words name the missing topic. An
 * answer of nothing else is a refusal.
 */
export const ABSENCE_PATTERNS: readonly RegExp[] = [
  /\b(is|are|was|were|be)\s+not\s+(\w+ly\s+)?(mentioned|specified|stated|provided|given|discussed|addressed|included|listed|described|found|covered)\s+(in|within|by)\s+(the\s+|any\s+of\s+the\s+)?(given\s+|provided\s+|above\s+|retrieved\s+)?(passages?|context|documents?|texts?|sources?|information|data|articles?)\b/i,
  /\b(passages?|context|documents?|sources?|texts?|articles?|information)\s+(does|do|did)\s+not\s+(\w+ly\s+)?(say|mention|contain|provide|specify|include|state|give|offer|discuss|address)\b/i,
  /\bthere\s+is\s+no\s+(specific\s+)?(mention|information|detail|details|data)\s+(of|about|on|regarding)\b[^.]*\b(passages?|context|documents?|sources?|texts?)\b/i,
];

/** Sentences that carry no facts: greetings, thanks, acknowledgements, offers of more help. */
export const FILLER_PATTERNS: readonly RegExp[] = [
  /^(sure|certainly|of course|absolutely|okay|ok|yes|no|great|thanks|thank you|hi|hello|hey|well|hmm|wow|cool|nice|awesome|indeed|right|alright|good question|great question)[\s!.,]*$/i,
  /^(i )?hope (this|that) helps\b/i,
  /^(let me know|feel free|please let me know|is there anything else)\b/i,
  /^(here is|here's|here are) (the|a|an|my|your)? ?(answer|summary|response|information)\b[^.]*[:.]?$/i,
  // The line that announces what follows ("Sure, here is a summary of the article in 108 words
  // or less:", "Based on the provided structured data, here is an objective overview of Sushi Ai:"):
  // its word count is no number the context must hold, nor its restated name a claim.
  /^((sure|certainly|of course|okay|ok|absolutely)\b[\s!,.]*)?(based on [^,:]{1,80},\s*)?(here is|here's|here are)\s+((the|a|an|my|your)\s+)?(\S+\s+){0,2}?(answer|summary|response|information|overview|article|news)\b[^.!?]*:$/i,
  /^(thank you|thanks)\b[^.]*$/i,
  /^(that'?s|that is) (interesting|great|cool|awesome|nice|good|true|right|funny|fascinating)[!.]*$/i,
  /^(i see|i agree|me too|good to know|sounds (good|great|fun|interesting))[!.]*$/i,
  // A citation on its own ("(Passage 1)", "[2]", "Source: passages 1 and 3"): it points at the
  // context and states nothing, and its number is no fact the context must hold.
  /^[([]\s*((passages?|documents?|docs?|sources?|refs?|references?)\s*)?#?\d+(\s*(,|and|&|-|\u2013|to)\s*#?\d+)*\s*[)\]][.:;]?$/i,
  /^((see|source|sources|according to|from|cf\.?)\s*:?\s+)?(passages?|documents?|sources?|references?)\s*#?\d+(\s*(,|and|&|-|\u2013|to)\s*#?\d+)*[.:;]?$/i,
];

/**
 * Names of a country's people (and common abbreviations) with the country's, lowercase: what
 * `stem` folds together. Only unambiguous forms: "Polish" is also a verb, so it is not here.
 */
export const PLACE_NAMES: ReadonlyMap<string, string> = new Map(
  `american america
  americans america
  us america
  usa america
  british britain
  uk britain
  english england
  scottish scotland
  welsh wales
  irish ireland
  french france
  german germany
  dutch netherlands
  belgian belgium
  swiss switzerland
  austrian austria
  italian italy
  spanish spain
  portuguese portugal
  greek greece
  turkish turkey
  swedish sweden
  norwegian norway
  danish denmark
  finnish finland
  icelandic iceland
  hungarian hungary
  czech czechia
  romanian romania
  bulgarian bulgaria
  serbian serbia
  croatian croatia
  ukrainian ukraine
  russian russia
  belarusian belarus
  georgian georgia
  armenian armenia
  chinese china
  japanese japan
  korean korea
  taiwanese taiwan
  vietnamese vietnam
  thai thailand
  filipino philippines
  indonesian indonesia
  malaysian malaysia
  indian india
  pakistani pakistan
  afghan afghanistan
  bangladeshi bangladesh
  nepalese nepal
  iranian iran
  iraqi iraq
  syrian syria
  lebanese lebanon
  israeli israel
  palestinian palestine
  jordanian jordan
  saudi arabia
  yemeni yemen
  qatari qatar
  kuwaiti kuwait
  egyptian egypt
  libyan libya
  tunisian tunisia
  algerian algeria
  moroccan morocco
  sudanese sudan
  ethiopian ethiopia
  somali somalia
  kenyan kenya
  nigerian nigeria
  ghanaian ghana
  african africa
  european europe
  asian asia
  canadian canada
  mexican mexico
  cuban cuba
  haitian haiti
  jamaican jamaica
  guatemalan guatemala
  honduran honduras
  nicaraguan nicaragua
  venezuelan venezuela
  colombian colombia
  brazilian brazil
  argentine argentina
  argentinian argentina
  chilean chile
  peruvian peru
  bolivian bolivia
  ecuadorian ecuador
  australian australia
  zealander zealand`
    .trim()
    .split("\n")
    .map((line) => line.trim().split(" ") as [string, string]),
);
