"""Pools of Chinese names and the helpers that build demo names, codes and numbers.

Everything here is fictional: the city 鲁川市 and the district 青河区 do not exist, and the county
code 370302 is borrowed only because a code must be well formed. Codes are built to the national
formats (GB 2260 division codes, GB 11714 organisation codes inside GB 32100 credit codes) so that
the portal's validators accept them.
"""

import functools
import random
from dataclasses import dataclass

from bureau.validators import CREDIT_CODE_ALPHABET, credit_code_check_char

PROVINCE = "山东省"
PROVINCE_SHORT = "山东"
CITY = "鲁川市"
CITY_SHORT = "鲁川"
DISTRICT = "青河区"
DISTRICT_COUNTY_CODE = "370302"

# The demo district's own townships (block 0): 4 街道, 7 镇, 1 乡, with GB 2260 suffixes.
DISTRICT_TOWNSHIPS = [
    ("001", "城关街道"),
    ("002", "青河街道"),
    ("003", "文昌街道"),
    ("004", "新华街道"),
    ("101", "东山镇"),
    ("102", "西岭镇"),
    ("103", "龙泉镇"),
    ("104", "北坡镇"),
    ("105", "石门镇"),
    ("106", "南河镇"),
    ("107", "柳林镇"),
    ("201", "桃源乡"),
]
TOWNSHIP_SUFFIXES = [code for code, _ in DISTRICT_TOWNSHIPS]

# Two-character place names for townships of the other counties (city and province scales).
PLACE_FIRST = list("东西南北中上下前后大小新老青白黑红金石龙凤马牛杨柳桃李松梅双三五高河湖山岭峪泉")
PLACE_SECOND = list("山岭河湖泉峪庄店集营坡洼台沟口桥园林坊寨屯堡湾川原城阳安平")
ROADS = ["人民路", "建设路", "新华路", "工业路", "青河大道", "兴业路", "科技路", "创业路", "华山路"]
VILLAGE_SUFFIXES = ["村", "庄村", "峪村", "家村", "店村", "河村", "营村", "山村", "洼村", "坡村"]
COMMUNITY_SUFFIXES = ["社区"]

SURNAMES = list(
    "王张李刘陈杨孙赵徐马高于董韩周吴郭胡朱林何罗梁宋郑谢唐冯曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
    "薛叶阎潘杜戴夏钟田任姜范方石姚谭邹金陆郝孔白崔康毛邱秦江史顾侯邵孟段雷钱尹常武乔贺翟"
)
GIVEN_CHARS = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红海文辉鹏斌林波宁晨晓东峰鑫浩宇"
    "俊凯亮飞婷雪琳颖倩梅燕丹庆学春新永长振德成利金荣福祥立佳欣然瑞"
)

# 字号 (brand) characters of company names.
BRAND_CHARS = list(
    "鑫泰华盛宏瑞丰源德通恒信金正隆昌达顺海新博远联嘉鲁齐川岳诚立科东方宇润中天佳和汇兴裕耀晟康"
    "凯腾翔益国建安永万广福吉祥亿星明光云晶铭创诺卓越辰航"
)
ORG_FORMS = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"]


@dataclass(frozen=True)
class IndustrySpec:
    name: str
    key_chain: bool
    share: float  # of the district's enterprises
    above_share: float  # of its enterprises that are above-scale industrial ones
    words: list[str]  # that end its companies' names
    tech_fields: list[str]  # of its hi-tech applications (enterprises.models.TechField)
    topics: list[str]  # of its technology contracts and projects
    fields: list[str]  # short names of its research fields, for platform names


INDUSTRIES = [
    IndustrySpec(
        "铝电",
        True,
        0.12,
        0.70,
        ["铝业", "铝材", "铝合金", "热电", "铝箔", "电力科技"],
        ["materials", "energy"],
        ["高强度铝合金板带材制备", "电解铝节能降耗", "铝灰渣资源化利用", "铝箔精轧工艺优化"],
        ["铝基新材料", "铝电节能"],
    ),
    IndustrySpec(
        "汽车零部件",
        True,
        0.16,
        0.60,
        ["汽车部件", "汽车配件", "车桥", "精密制造", "汽车尾气净化装置", "交通器材制造"],
        ["manufacturing", "materials"],
        [
            "汽车尾气净化催化剂涂覆",
            "轻量化铝合金轮毂成型",
            "制动盘精密加工",
            "新能源汽车电机壳体铸造",
        ],
        ["汽车尾气净化", "汽车轻量化"],
    ),
    IndustrySpec(
        "新型环保建材",
        True,
        0.12,
        0.60,
        ["新型建材", "环保建材", "陶瓷", "耐火材料", "保温材料", "水泥制品"],
        ["materials", "environment"],
        ["固废基新型墙体材料", "低碳水泥熟料烧成", "陶瓷釉料配方优化", "轻质高强耐火材料制备"],
        ["固废建材", "绿色建材"],
    ),
    IndustrySpec(
        "高效生态农业",
        True,
        0.14,
        0.25,
        ["农业科技", "生态农业", "果蔬", "食品", "农牧", "种业"],
        ["bio", "environment"],
        ["草莓脱毒种苗繁育", "设施蔬菜水肥一体化", "果蔬冷链保鲜", "食用菌工厂化栽培"],
        ["草莓种业", "设施园艺"],
    ),
    IndustrySpec(
        "装备制造",
        False,
        0.12,
        0.55,
        ["机械", "重工", "装备", "泵业", "阀门", "智能装备"],
        ["manufacturing"],
        ["智能装备控制系统", "高效节能泵设计", "数控机床改造", "工业机器人集成应用"],
        ["智能装备", "流体机械"],
    ),
    IndustrySpec(
        "新材料",
        False,
        0.08,
        0.55,
        ["新材料", "高分子材料", "复合材料", "化工新材料"],
        ["materials"],
        ["高性能复合材料制备", "改性塑料配方", "特种陶瓷粉体合成", "石墨烯导热膜制备"],
        ["高分子材料", "复合材料"],
    ),
    IndustrySpec(
        "精细化工",
        False,
        0.06,
        0.60,
        ["化工", "精细化工", "化学"],
        ["materials", "environment"],
        ["催化剂制备工艺改进", "废水深度处理", "表面活性剂合成", "VOCs治理"],
        ["精细化工", "催化材料"],
    ),
    IndustrySpec(
        "生物医药",
        False,
        0.05,
        0.45,
        ["生物科技", "医药", "制药", "生物工程"],
        ["bio"],
        ["中药提取工艺优化", "发酵菌种选育", "医用敷料研制", "兽用疫苗生产工艺"],
        ["中药现代化", "生物发酵"],
    ),
    IndustrySpec(
        "电子信息",
        False,
        0.07,
        0.20,
        ["电子", "信息技术", "智能科技", "软件"],
        ["electronic"],
        ["工业互联网平台", "MES系统定制", "智慧农业物联网系统", "机器视觉检测系统"],
        ["工业互联网", "机器视觉"],
    ),
    IndustrySpec(
        "科技服务",
        False,
        0.08,
        0.0,
        ["科技服务", "科技发展", "企业管理咨询", "检测技术", "文化传媒"],
        ["services"],
        ["科技成果评价咨询", "知识产权分析评议", "检验检测方法开发", "企业数字化转型咨询"],
        ["科技服务", "检验检测"],
    ),
]
INDUSTRY = {spec.name: spec for spec in INDUSTRIES}
KEY_CHAINS = [spec.name for spec in INDUSTRIES if spec.key_chain]
# Industries without industrial output: their enterprises are never above-scale industrial.
SERVICE_INDUSTRIES = ("科技服务", "电子信息")

CONTRACT_KIND_SUFFIX = {
    "development": "技术开发",
    "transfer": "技术转让",
    "license": "技术许可",
    "consulting": "技术咨询",
    "service": "技术服务",
}
BUYER_INSTITUTES = [
    "鲁川理工大学",
    "鲁川职业技术学院",
    "齐鲁新材料研究院",
    "鲁川市农业科学研究院",
    "山东铝基材料工程研究院",
    "鲁中汽车零部件检测中心",
]

DEPARTMENTS = ["区发展和改革局", "区工业和信息化局", "区科学技术局", "区财政局"]

# Foreign experts: nationality -> (given names, family names).
FOREIGN_NAMES = {
    "德国": (["Andreas", "Stefan", "Thomas", "Klaus", "Markus"], ["Müller", "Schmidt", "Weber"]),
    "美国": (["James", "Robert", "Michael", "David", "John"], ["Smith", "Johnson", "Miller"]),
    "日本": (["Kenji", "Hiroshi", "Takashi", "Satoshi"], ["Tanaka", "Suzuki", "Watanabe"]),
    "韩国": (["Minjun", "Jiho", "Sungmin", "Hyunwoo"], ["Kim", "Park", "Choi"]),
    "英国": (["Oliver", "Harry", "George", "Edward"], ["Taylor", "Evans", "Roberts"]),
    "意大利": (["Marco", "Luca", "Giovanni", "Paolo"], ["Rossi", "Russo", "Bianchi"]),
    "荷兰": (["Jan", "Pieter", "Sander", "Daan"], ["de Vries", "Jansen", "Bakker"]),
    "以色列": (["Yosef", "Avi", "Eitan"], ["Cohen", "Levi", "Mizrahi"]),
    "澳大利亚": (["Jack", "Liam", "Noah"], ["Wilson", "Martin", "Thompson"]),
}
EXPERT_SPECIALTIES = [
    "铝合金材料",
    "汽车尾气净化",
    "陶瓷材料",
    "智能制造",
    "食品加工",
    "环境工程",
]

CROPS = ["草莓", "樱桃", "苹果", "桃", "葡萄", "设施番茄", "黄瓜", "食用菌", "花椒", "丹参", "蓝莓"]
PRACTICES = [
    "病虫害绿色防控",
    "水肥一体化",
    "整形修剪",
    "集约化育苗",
    "采后保鲜",
    "品种改良",
    "测土配方施肥",
    "标准化种植",
]
COMMISSIONER_UNITS = [
    "区农业技术推广中心",
    "区林业发展中心",
    "区畜牧兽医服务中心",
    "鲁川市农业科学研究院",
    "鲁川职业技术学院",
    "鲁川理工大学农学院",
]
COMMISSIONER_SPECIALTIES = [
    "果树栽培",
    "设施蔬菜",
    "畜牧养殖",
    "植物保护",
    "土壤肥料",
    "食用菌",
    "农产品加工",
    "中药材种植",
    "农业机械",
]

TRAINING_TOPICS = [
    "研发投入业务培训",
    "研发费用加计扣除政策培训",
    "高新技术企业申报培训",
    "科技型中小企业评价培训",
    "技术合同登记业务培训",
]
# Trainings on R&D input (研发投入, 加计扣除): the report counts these apart.
RD_TRAINING_TOPICS = TRAINING_TOPICS[:2]
POLICY_TOPICS = [
    "高企税收优惠政策",
    "研发费用加计扣除",
    "创新券政策",
    "科技型中小企业评价",
    "产学研引导资金",
    "研发机构建设奖补",
]


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN_CHARS)
    if rng.random() < 0.7:
        given += rng.choice(GIVEN_CHARS)
    return rng.choice(SURNAMES) + given


def mobile_phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def place_name(rng: random.Random) -> str:
    first, second = rng.choice(PLACE_FIRST), rng.choice(PLACE_SECOND)
    while second == first:
        second = rng.choice(PLACE_SECOND)
    return first + second


def brand(rng: random.Random) -> str:
    first, second = rng.sample(BRAND_CHARS, 2)
    return first + second


# GB 11714 organisation code: 8 characters and a check character.
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def _org_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def org_code(body: str) -> str:
    """The 9-character organisation code for an 8-character ``body`` (GB 11714 check)."""
    check = 11 - sum(_org_value(c) * w for c, w in zip(body, ORG_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def permute(n: int, modulus: int, salt: int) -> int:
    # An affine bijection on [0, modulus): distinct n give distinct, scattered-looking values.
    # The multiplier is prime and larger than any factor of the moduli used here.
    return (n * 1_000_003 + salt) % modulus


def credit_code(*, county_code: str, serial: int, salt: int, modern: bool) -> str:
    """A valid, unique 统一社会信用代码 for enterprise number ``serial``.

    Enterprises registered since 2015 carry an ``MA`` organisation code; older ones keep the
    numeric code they were given before. Distinct serials give distinct codes.
    """
    if modern:
        n = permute(serial, 31**6, salt)
        digits = []
        for _ in range(6):
            n, r = divmod(n, 31)
            digits.append(CREDIT_CODE_ALPHABET[r])
        body = "MA" + "".join(digits)
    else:
        body = f"{permute(serial, 10**8, salt):08d}"
    first17 = "91" + county_code + org_code(body)
    return first17 + credit_code_check_char(first17)


@functools.cache
def _county_codes() -> tuple[str, ...]:
    # Cities 01-99 of province 37 and counties 02-99 of each, the district's own code first.
    others = (f"37{city:02d}{county:02d}" for city in range(1, 100) for county in range(2, 100))
    return (DISTRICT_COUNTY_CODE, *(code for code in others if code != DISTRICT_COUNTY_CODE))


@functools.cache
def _county_names() -> tuple[str, ...]:
    pairs = [f + s for f in PLACE_FIRST for s in PLACE_SECOND if f != s and f + s != "青河"]
    return tuple(pairs)


def county_name(block: int) -> str:
    """The name of block ``block``'s county: 青河区 first, then distinct fictional names."""
    if block == 0:
        return DISTRICT
    names = _county_names()
    return names[permute(block, len(names), 17)] + ("区" if block % 3 == 0 else "县")


def county_code(block: int) -> str:
    """The GB 2260 county code of block ``block``: 370302 first, then fictional counties."""
    return _county_codes()[block]
