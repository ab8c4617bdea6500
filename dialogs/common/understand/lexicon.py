"""The words people type, per language: yes and no, greetings and thanks, wishes, date
words, and the everyday words for the categories, styles and areas (the catalogs hold their
official names; these are what people write instead). Compared folded (models.search_index
.fold): width, case and Latin accents do not matter, katakana reads as hiragana.

A word of Latin letters matches whole words; any other matches inside the text (Japanese,
Chinese and Korean write no spaces, or add particles: 고엔지에서).
"""

from __future__ import annotations

YES = {
    "ja": "はい|うん|ええ|いいです|お願いします|おねがいします|ok|オーケー|大丈夫|そうです",
    "ja_easy": "はい|うん|いいです|おねがいします",
    "en": "yes|y|ok|okay|yeah|yep|sure|right|please do|of course",
    "zh": "是|是的|好|好的|对|对的|可以|行|嗯",
    "ko": "네|예|응|좋아요|그래요|맞아요|ok",
    "vi": "vâng|có|dạ|được|ừ|đồng ý|ok|ừm",
    "ne": "हो|हजुर|ठिक छ|हुन्छ|ho|ok",
}
NO = {
    "ja": "いいえ|いや|いえ|だめ|ダメ|やめる|結構です|けっこうです|ちがう|違います",
    "ja_easy": "いいえ|いや|やめます|ちがいます",
    "en": "no|n|nope|nah|no thanks|not now",
    "zh": "不|不是|不要|不用|不用了|否|不行|算了",
    "ko": "아니요|아니오|아니|싫어요|괜찮아요",
    "vi": "không|ko|khong phai|thôi|không cần",
    "ne": "होइन|हैन|पर्दैन|chaina|hoina",
}
GREETINGS = {
    "ja": "こんにちは|こんばんは|おはよう|おはようございます|はじめまして|やあ|もしもし",
    "ja_easy": "こんにちは|こんばんは|おはようございます|はじめまして",
    "en": "hello|hi|hey|good morning|good evening|good afternoon|hi there",
    "zh": "你好|您好|早上好|晚上好|嗨|大家好",
    "ko": "안녕하세요|안녕|반갑습니다|좋은 아침",
    "vi": "xin chào|chào|chào bạn|alo",
    "ne": "नमस्ते|नमस्कार|namaste",
}
THANKS = {
    "ja": "ありがとう|ありがとうございます|どうも|サンキュー|感謝",
    "ja_easy": "ありがとう|ありがとうございます",
    "en": "thanks|thank you|thx|cheers",
    "zh": "谢谢|多谢|感谢",
    "ko": "감사합니다|고마워요|고맙습니다|감사",
    "vi": "cảm ơn|cám ơn|thanks",
    "ne": "धन्यवाद|धन्यबाद|dhanyabad",
}
# words that say "I am looking for something to do"
WISH = {
    "ja": "したい|やりたい|参加したい|参加できる|手伝いたい|ボランティア|何かある|なにかある"
          "|ないかな"
          "|あります|探して|さがして|ありますか|できること|活動|イベント|募集|できるもの",
    "ja_easy": "したい|さんかしたい|さんか|ボランティア|なにか|ありますか|かつどう|活動|イベント"
               "|てつだい|できること",
    "en": "volunteer|volunteering|help|helping|want to|looking for|anything|something|event"
          "|events|activity|activities|join|what's on|whats on|things to do|can i|is there"
          "|are there|find",
    "zh": "志愿|义工|帮忙|帮助|想参加|参加|活动|有什么|有没有|可以做|找|想",
    "ko": "봉사|자원봉사|돕고|도와|참여|참가|활동|행사|뭐|있어요|있나요|찾아|싶어요",
    "vi": "tình nguyện|giúp|giúp đỡ|tham gia|hoạt động|sự kiện|có gì|muốn|tìm|việc gì",
    "ne": "स्वयंसेवा|स्वयंसेवक|मद्दत|सहयोग|भाग लिन|सहभागी|गतिविधि|कार्यक्रम|के छ|खोज|चाहन्छु",
}
WHEN = {
    "today": {
        "ja": "今日|きょう|本日", "ja_easy": "きょう|今日",
        "en": "today|tonight", "zh": "今天|今日|今晚", "ko": "오늘",
        "vi": "hôm nay|tối nay", "ne": "आज",
    },
    "tomorrow": {
        "ja": "明日|あした|あす", "ja_easy": "あした|明日",
        "en": "tomorrow", "zh": "明天", "ko": "내일",
        "vi": "ngày mai|mai", "ne": "भोलि",
    },
    "weekend": {
        "ja": "週末|土日|今週末|土曜|日曜|休日|休み",
        "ja_easy": "しゅうまつ|週末|どようび|にちようび|やすみ",
        "en": "weekend|saturday|sunday", "zh": "周末|星期六|星期天|周六|周日",
        "ko": "주말|토요일|일요일", "vi": "cuối tuần|thứ bảy|chủ nhật",
        "ne": "सप्ताहन्त|शनिबार|आइतबार|बिदा",
    },
}
CATEGORY = {
    "childcare": {
        "ja": "子ども|子供|こども|親子|子育て|赤ちゃん|キッズ", "ja_easy": "こども|子ども|おやこ",
        "en": "kid|kids|child|children|family|families|parent|parents|baby",
        "zh": "孩子|儿童|小孩|亲子|育儿|家庭", "ko": "아이|어린이|아이들|육아|가족|부모",
        "vi": "trẻ em|con|gia đình|trẻ con|em bé", "ne": "बच्चा|बालबालिका|केटाकेटी|परिवार",
    },
    "environment": {
        "ja": "環境|公園|花壇|緑|ごみ|ゴミ|清掃|そうじ|掃除|ガーデニング|自然|リサイクル",
        "ja_easy": "こうえん|公園|ごみ|そうじ|はな|しぜん",
        "en": "garden|gardening|park|parks|clean|cleanup|clean-up|trash|litter|nature|green"
              "|recycling|flowers",
        "zh": "环境|公园|花坛|园艺|清扫|打扫|垃圾|自然", "ko": "환경|공원|정원|청소|쓰레기|자연|꽃",
        "vi": "môi trường|công viên|làm vườn|vườn|dọn dẹp|rác|thiên nhiên",
        "ne": "वातावरण|पार्क|बगैंचा|सरसफाइ|फोहोर|प्रकृति",
    },
    "elderly": {
        "ja": "高齢者|お年寄り|シニア|介護", "ja_easy": "おとしより|としより",
        "en": "elderly|seniors|senior|older people|old people", "zh": "老人|老年人|长者|敬老",
        "ko": "어르신|노인|고령자", "vi": "người già|người cao tuổi", "ne": "वृद्ध|ज्येष्ठ|बुढाबुढी",
    },
    "disaster": {
        "ja": "防災|災害|避難|地震", "ja_easy": "ぼうさい|じしん|ひなん",
        "en": "disaster|earthquake|emergency|evacuation", "zh": "防灾|灾害|地震|避难",
        "ko": "방재|재해|지진|대피", "vi": "thiên tai|động đất|phòng chống thiên tai|sơ tán",
        "ne": "विपद्|भूकम्प|आपतकालीन",
    },
    "multicultural": {
        "ja": "多文化|国際|外国人|日本語教室|交流", "ja_easy": "がいこく|にほんご|こくさい",
        "en": "multicultural|international|foreigners|language exchange|japanese class",
        "zh": "多元文化|国际|外国人|交流|日语", "ko": "다문화|국제|외국인|교류|일본어",
        "vi": "đa văn hóa|quốc tế|người nước ngoài|giao lưu|tiếng nhật",
        "ne": "बहुसांस्कृतिक|अन्तर्राष्ट्रिय|विदेशी|जापानी भाषा",
    },
    "sports_culture": {
        "ja": "スポーツ|運動|文化|音楽|祭り|まつり|お祭り",
        "ja_easy": "スポーツ|うんどう|まつり|おんがく",
        "en": "sport|sports|music|culture|festival|art", "zh": "运动|体育|文化|音乐|祭典|节日",
        "ko": "스포츠|운동|문화|음악|축제", "vi": "thể thao|văn hóa|âm nhạc|lễ hội",
        "ne": "खेलकुद|संस्कृति|संगीत|चाड|महोत्सव",
    },
    "welfare": {
        "ja": "福祉|障害|食堂|フードバンク", "ja_easy": "ふくし|しょくどう",
        "en": "welfare|food bank|disability", "zh": "福利|福祉|残疾|食物银行",
        "ko": "복지|장애|푸드뱅크", "vi": "phúc lợi|khuyết tật|ngân hàng thực phẩm",
        "ne": "कल्याण|अपाङ्ग|खाद्य बैंक",
    },
    "community": {
        "ja": "まちづくり|町づくり|地域|商店街|町会", "ja_easy": "まちづくり|ちいき",
        "en": "community|neighbourhood|neighborhood|local", "zh": "社区|街道|地区|商店街",
        "ko": "지역|마을|동네|커뮤니티", "vi": "cộng đồng|khu phố|địa phương",
        "ne": "समुदाय|टोल|स्थानीय",
    },
}
STYLE = {
    "online": {
        "ja": "オンライン|在宅|リモート|自宅", "ja_easy": "オンライン|いえで",
        "en": "online|remote|from home", "zh": "线上|在线|网上|远程", "ko": "온라인|재택|원격",
        "vi": "trực tuyến|online|tại nhà", "ne": "अनलाइन|घरबाट",
    },
    "micro": {
        "ja": "単発|一回だけ|1回だけ|ちょっと|短時間|気軽", "ja_easy": "いちどだけ|みじかい",
        "en": "one-off|one off|once|short|quick", "zh": "一次性|短时间|单次",
        "ko": "단발|한 번|짧은|잠깐", "vi": "một lần|ngắn", "ne": "एक पटक|छोटो",
    },
    "skills": {
        "ja": "スキル|特技|翻訳|通訳|デザイン|プログラミング", "ja_easy": "とくい|ほんやく",
        "en": "skills|skill|translation|translate|interpreting|design|programming",
        "zh": "技能|翻译|口译|设计|编程", "ko": "재능|기술|번역|통역|디자인",
        "vi": "kỹ năng|dịch|phiên dịch|thiết kế", "ne": "सीप|अनुवाद|दोभाषे|डिजाइन",
    },
    "regular": {
        "ja": "定期|毎週|毎月|継続", "ja_easy": "まいしゅう|まいつき",
        "en": "regular|regularly|every week|weekly|monthly", "zh": "定期|每周|每月|长期",
        "ko": "정기|매주|매달", "vi": "định kỳ|hàng tuần|hàng tháng", "ne": "नियमित|हरेक हप्ता",
    },
}
# words said around a greeting, thanks or yes that change nothing ("hello there")
FILLERS = ("please|there|so much|very much|a lot|again|everyone|さん|です|ございます|啊|呀|요"
           "|nhé|nha|ạ|छ")
# asking for the menu in words ("menu please", "メニューをください", "메뉴 주세요"): a menu
# word with nothing around it but such requests
MENU = {
    "ja": "メニュー|めにゅー|メニュー画面", "ja_easy": "メニュー|めにゅー",
    "en": "menu|main menu", "zh": "菜单|主菜单|目录", "ko": "메뉴|메인 메뉴",
    "vi": "menu|thực đơn|trình đơn", "ne": "मेनु|मेन्यु|मेनू|मुख्य मेनु|menu",
}
MENU_REQUEST = {
    "ja": "ください|下さい|くださいな|見せて|みせて|見たい|みたい|出して|だして|開いて|ひらいて"
          "|表示して|お願いします|おねがいします|お願い|おねがい|に戻る|にもどる|に戻って|へ|を|は|の",
    "ja_easy": "ください|みせて|みたい|だして|おねがいします|を|は",
    "en": "please|pls|plz|show|me|the|open|see|can|could|i|give|have|go|back|to|a|look|at"
          "|want",
    "zh": "请|给我|给|看|看看|打开|显示|一下|我要|我想|要|回到",
    "ko": "주세요|보여|보여줘|보여주세요|열어|열어줘|열어주세요|좀|를|을|로|으로|돌아가기",
    "vi": "cho|tôi|xem|mở|vui lòng|làm ơn|với|đi|giúp|quay lại|ạ|nhé|mình",
    "ne": "देखाउनुहोस्|देखाउनु|खोल्नुहोस्|कृपया|दिनुहोस्|मलाई|हेर्न|चाहियो|को|dekhau|kholnu"
          "|please",
}
# what the bot cannot help with (the weather...): such a message is not a search
OFF_TOPIC = {
    "ja": "天気|雨|晴れ|気温", "ja_easy": "てんき|あめ|はれ",
    "en": "weather|rain|temperature", "zh": "天气|下雨|气温", "ko": "날씨|비가|기온",
    "vi": "thời tiết|mưa|nhiệt độ", "ne": "मौसम|पानी पर्|तापक्रम",
}
# longer words that hold a date word but mean something else (きょうしつ: a classroom)
NOT_WHEN = "きょうしつ|きょうりょく|きょうみ|きょうかい|あしたば"
# words that make a message a question or a sentence rather than a keyword
SENTENCE = {
    "ja": "ですか|ますか|ません|ました|ください|どう|なに|何|いつ|どこ",
    "ja_easy": "ですか|ますか|ません|ました|ください|どう|なに|いつ|どこ",
    "en": "what|how|when|where|why|who",
    "zh": "吗|呢|怎么|请问|几点|什么时候|哪里",
    "ko": "어때요|나요|까요|세요|어요|아요|해요|니다|어디|언제|어떻게",
    "vi": "thế nào|mấy giờ|ở đâu|khi nào|tại sao|làm sao",
    "ne": "कस्तो|कसो|कति|कहाँ|किन|कहिले",
}
# the areas' names in other scripts (their kana readings and romaji are made from the names)
AREA = {
    "阿佐谷": "阿佐ヶ谷|阿佐ケ谷|asagaya|아사가야|阿佐谷|a sa gaya|असागाया",
    "高円寺": "koenji|kouenji|고엔지|코엔지|高圆寺|कोएन्जी",
    "荻窪": "ogikubo|오기쿠보|荻洼|ओगिकुबो",
    "西荻窪": "西荻|nishiogikubo|nishi-ogikubo|니시오기쿠보|西荻洼|निशिओगिकुबो",
    "高井戸": "takaido|다카이도|高井户|ताकाइडो",
    "方南・和泉": "方南|和泉|honan|izumi|호난|이즈미|हनान",
}
# what the likeliest next steps are when nothing was understood (menu actions, in order)
NEXT_STEPS = ("find", "schedule", "help")
