/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: the PGP word list (Juola and Zimmermann's biometric word list): bytes at
 * even positions read from the two-syllable list, bytes at odd positions from the
 * three-syllable list, so a swapped or dropped word is noticed when read aloud. */
#include <stdio.h>
#include <string.h>

#include "hsmlab/pgpwords.h"

static const char *const even_words[256] = {
	"aardvark",  "absurd",    "accrue",    "acme",      /* 00 */
	"adrift",    "adult",     "afflict",   "ahead",     /* 04 */
	"aimless",   "Algol",     "allow",     "alone",     /* 08 */
	"ammo",      "ancient",   "apple",     "artist",    /* 0c */
	"assume",    "Athens",    "atlas",     "Aztec",     /* 10 */
	"baboon",    "backfield", "backward",  "banjo",     /* 14 */
	"beaming",   "bedlamp",   "beehive",   "beeswax",   /* 18 */
	"befriend",  "Belfast",   "berserk",   "billiard",  /* 1c */
	"bison",     "blackjack", "blockade",  "blowtorch", /* 20 */
	"bluebird",  "bombast",   "bookshelf", "brackish",  /* 24 */
	"breadline", "breakup",   "brickyard", "briefcase", /* 28 */
	"Burbank",   "button",    "buzzard",   "cement",    /* 2c */
	"chairlift", "chatter",   "checkup",   "chisel",    /* 30 */
	"choking",   "chopper",   "Christmas", "clamshell", /* 34 */
	"classic",   "classroom", "cleanup",   "clockwork", /* 38 */
	"cobra",     "commence",  "concert",   "cowbell",   /* 3c */
	"crackdown", "cranky",    "crowfoot",  "crucial",   /* 40 */
	"crumpled",  "crusade",   "cubic",     "dashboard", /* 44 */
	"deadbolt",  "deckhand",  "dogsled",   "dragnet",   /* 48 */
	"drainage",  "dreadful",  "drifter",   "dropper",   /* 4c */
	"drumbeat",  "drunken",   "Dupont",    "dwelling",  /* 50 */
	"eating",    "edict",     "egghead",   "eightball", /* 54 */
	"endorse",   "endow",     "enlist",    "erase",     /* 58 */
	"escape",    "exceed",    "eyeglass",  "eyetooth",  /* 5c */
	"facial",    "fallout",   "flagpole",  "flatfoot",  /* 60 */
	"flytrap",   "fracture",  "framework", "freedom",   /* 64 */
	"frighten",  "gazelle",   "Geiger",    "glitter",   /* 68 */
	"glucose",   "goggles",   "goldfish",  "gremlin",   /* 6c */
	"guidance",  "hamlet",    "highchair", "hockey",    /* 70 */
	"indoors",   "indulge",   "inverse",   "involve",   /* 74 */
	"island",    "jawbone",   "keyboard",  "kickoff",   /* 78 */
	"kiwi",      "klaxon",    "locale",    "lockup",    /* 7c */
	"merit",     "minnow",    "miser",     "Mohawk",    /* 80 */
	"mural",     "music",     "necklace",  "Neptune",   /* 84 */
	"newborn",   "nightbird", "Oakland",   "obtuse",    /* 88 */
	"offload",   "optic",     "orca",      "payday",    /* 8c */
	"peachy",    "pheasant",  "physique",  "playhouse", /* 90 */
	"Pluto",     "preclude",  "prefer",    "preshrunk", /* 94 */
	"printer",   "prowler",   "pupil",     "puppy",     /* 98 */
	"python",    "quadrant",  "quiver",    "quota",     /* 9c */
	"ragtime",   "ratchet",   "rebirth",   "reform",    /* a0 */
	"regain",    "reindeer",  "rematch",   "repay",     /* a4 */
	"retouch",   "revenge",   "reward",    "rhythm",    /* a8 */
	"ribcage",   "ringbolt",  "robust",    "rocker",    /* ac */
	"ruffled",   "sailboat",  "sawdust",   "scallion",  /* b0 */
	"scenic",    "scorecard", "Scotland",  "seabird",   /* b4 */
	"select",    "sentence",  "shadow",    "shamrock",  /* b8 */
	"showgirl",  "skullcap",  "skydive",   "slingshot", /* bc */
	"slowdown",  "snapline",  "snapshot",  "snowcap",   /* c0 */
	"snowslide", "solo",      "southward", "soybean",   /* c4 */
	"spaniel",   "spearhead", "spellbind", "spheroid",  /* c8 */
	"spigot",    "spindle",   "spyglass",  "stagehand", /* cc */
	"stagnate",  "stairway",  "standard",  "stapler",   /* d0 */
	"steamship", "sterling",  "stockman",  "stopwatch", /* d4 */
	"stormy",    "sugar",     "surmount",  "suspense",  /* d8 */
	"sweatband", "swelter",   "tactics",   "talon",     /* dc */
	"tapeworm",  "tempest",   "tiger",     "tissue",    /* e0 */
	"tonic",     "topmost",   "tracker",   "transit",   /* e4 */
	"trauma",    "treadmill", "Trojan",    "trouble",   /* e8 */
	"tumor",     "tunnel",    "tycoon",    "uncut",     /* ec */
	"unearth",   "unwind",    "uproot",    "upset",     /* f0 */
	"upshot",    "vapor",     "village",   "virus",     /* f4 */
	"Vulcan",    "waffle",    "wallet",    "watchword", /* f8 */
	"wayside",   "willow",    "woodlark",  "Zulu",      /* fc */
};

static const char *const odd_words[256] = {
	"adroitness",  "adviser",     "aftermath",   "aggregate",   /* 00 */
	"alkali",      "almighty",    "amulet",      "amusement",   /* 04 */
	"antenna",     "applicant",   "Apollo",      "armistice",   /* 08 */
	"article",     "asteroid",    "Atlantic",    "atmosphere",  /* 0c */
	"autopsy",     "Babylon",     "backwater",   "barbecue",    /* 10 */
	"belowground", "bifocals",    "bodyguard",   "bookseller",  /* 14 */
	"borderline",  "bottomless",  "Bradbury",    "bravado",     /* 18 */
	"Brazilian",   "breakaway",   "Burlington",  "businessman", /* 1c */
	"butterfat",   "Camelot",     "candidate",   "cannonball",  /* 20 */
	"Capricorn",   "caravan",     "caretaker",   "celebrate",   /* 24 */
	"cellulose",   "certify",     "chambermaid", "Cherokee",    /* 28 */
	"Chicago",     "clergyman",   "coherence",   "combustion",  /* 2c */
	"commando",    "company",     "component",   "concurrent",  /* 30 */
	"confidence",  "conformist",  "congregate",  "consensus",   /* 34 */
	"consulting",  "corporate",   "corrosion",   "councilman",  /* 38 */
	"crossover",   "crucifix",    "cumbersome",  "customer",    /* 3c */
	"Dakota",      "decadence",   "December",    "decimal",     /* 40 */
	"designing",   "detector",    "detergent",   "determine",   /* 44 */
	"dictator",    "dinosaur",    "direction",   "disable",     /* 48 */
	"disbelief",   "disruptive",  "distortion",  "document",    /* 4c */
	"embezzle",    "enchanting",  "enrollment",  "enterprise",  /* 50 */
	"equation",    "equipment",   "escapade",    "Eskimo",      /* 54 */
	"everyday",    "examine",     "existence",   "exodus",      /* 58 */
	"fascinate",   "filament",    "finicky",     "forever",     /* 5c */
	"fortitude",   "frequency",   "gadgetry",    "Galveston",   /* 60 */
	"getaway",     "glossary",    "gossamer",    "graduate",    /* 64 */
	"gravity",     "guitarist",   "hamburger",   "Hamilton",    /* 68 */
	"handiwork",   "hazardous",   "headwaters",  "hemisphere",  /* 6c */
	"hesitate",    "hideaway",    "holiness",    "hurricane",   /* 70 */
	"hydraulic",   "impartial",   "impetus",     "inception",   /* 74 */
	"indigo",      "inertia",     "infancy",     "inferno",     /* 78 */
	"informant",   "insincere",   "insurgent",   "integrate",   /* 7c */
	"intention",   "inventive",   "Istanbul",    "Jamaica",     /* 80 */
	"Jupiter",     "leprosy",     "letterhead",  "liberty",     /* 84 */
	"maritime",    "matchmaker",  "maverick",    "Medusa",      /* 88 */
	"megaton",     "microscope",  "microwave",   "midsummer",   /* 8c */
	"millionaire", "miracle",     "misnomer",    "molasses",    /* 90 */
	"molecule",    "Montana",     "monument",    "mosquito",    /* 94 */
	"narrative",   "nebula",      "newsletter",  "Norwegian",   /* 98 */
	"October",     "Ohio",        "onlooker",    "opulent",     /* 9c */
	"Orlando",     "outfielder",  "Pacific",     "pandemic",    /* a0 */
	"Pandora",     "paperweight", "paragon",     "paragraph",   /* a4 */
	"paramount",   "passenger",   "pedigree",    "Pegasus",     /* a8 */
	"penetrate",   "perceptive",  "performance", "pharmacy",    /* ac */
	"phonetic",    "photograph",  "pioneer",     "pocketful",   /* b0 */
	"politeness",  "positive",    "potato",      "processor",   /* b4 */
	"provincial",  "proximate",   "puberty",     "publisher",   /* b8 */
	"pyramid",     "quantity",    "racketeer",   "rebellion",   /* bc */
	"recipe",      "recover",     "repellent",   "replica",     /* c0 */
	"reproduce",   "resistor",    "responsive",  "retraction",  /* c4 */
	"retrieval",   "retrospect",  "revenue",     "revival",     /* c8 */
	"revolver",    "sandalwood",  "sardonic",    "Saturday",    /* cc */
	"savagery",    "scavenger",   "sensation",   "sociable",    /* d0 */
	"souvenir",    "specialist",  "speculate",   "stethoscope", /* d4 */
	"stupendous",  "supportive",  "surrender",   "suspicious",  /* d8 */
	"sympathy",    "tambourine",  "telephone",   "therapist",   /* dc */
	"tobacco",     "tolerance",   "tomorrow",    "torpedo",     /* e0 */
	"tradition",   "travesty",    "trombonist",  "truncated",   /* e4 */
	"typewriter",  "ultimate",    "undaunted",   "underfoot",   /* e8 */
	"unicorn",     "unify",       "universe",    "unravel",     /* ec */
	"upcoming",    "vacancy",     "vagabond",    "vertigo",     /* f0 */
	"Virginia",    "visitor",     "vocalist",    "voyager",     /* f4 */
	"warranty",    "Waterloo",    "whimsical",   "Wichita",     /* f8 */
	"Wilmington",  "Wyoming",     "yesteryear",  "Yucatan",     /* fc */
};

const char *hl_pgpword(unsigned char byte, size_t position)
{
	return position % 2 == 0 ? even_words[byte] : odd_words[byte];
}

int hl_pgpwords(const unsigned char *data, size_t len, char *out, size_t outlen)
{
	size_t off = 0;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < len; i++) {
		const char *w = hl_pgpword(data[i], i);
		size_t wl = strlen(w) + (i ? 1 : 0);
		if (off + wl + 1 > outlen)
			return -1;
		snprintf(out + off, outlen - off, "%s%s", i ? " " : "", w);
		off += wl;
	}
	return 0;
}
