"""The fields of activity (分野): one list for activities, idea calls, initiatives, the topics
people follow and the interests they tell us, so that following a field brings news of
everything in it. Codes are stored; labels are msgids, translated when shown.

Followed topics, idea calls and initiatives once had a list of their own (children, safety,
culture, town); migration 0013 moved their stored codes to these.
"""

from __future__ import annotations

from models.locales import N_

CATEGORIES: dict[str, str] = {
    "welfare": N_("Welfare"),
    "childcare": N_("Child-care support"),
    "community": N_("Community building"),
    "environment": N_("Environment"),
    "disaster": N_("Disaster preparedness"),
    "multicultural": N_("Multicultural"),
    "elderly": N_("Elderly support"),
    "sports_culture": N_("Sports and culture"),
    "other": N_("Other"),
}

# the national dataset and ward staff write categories in Japanese
CATEGORY_JA = {"福祉": "welfare", "子育て支援": "childcare", "まちづくり": "community",
               "環境": "environment", "防災": "disaster", "多文化共生": "multicultural",
               "高齢者支援": "elderly", "スポーツ・文化": "sports_culture", "その他": "other"}
