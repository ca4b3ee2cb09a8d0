//! Synthetic names from common characters. No list of real people is used.

use rand::Rng;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
    "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "武", "戴", "莫",
    "孔", "向", "汤", "隋", "逄", "宫",
];

const MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "鑫",
    "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "洋", "亮", "成",
    "国", "建", "志", "永", "海", "峰", "东", "文", "德", "庆", "福", "山", "振", "兴", "胜", "昊",
    "泽", "晨",
];

const FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "英", "玲", "桂", "兰", "燕", "萍", "红",
    "梅", "琳", "雪", "婷", "慧", "莉", "倩", "颖", "洁", "琴", "云", "莹", "佳", "欣", "悦", "萌",
    "雯", "璐", "晶", "凤", "美", "淑", "珍", "华", "荣", "月", "春", "菊", "彤", "然", "怡", "宁",
    "瑶", "涵",
];

/// The entry at `i`. Callers draw `i` below the pool's length, so the empty fallback is never
/// taken. They draw an index rather than use `SliceRandom::choose`, which draws differently
/// and would change the data a seed produces.
fn pick(pool: &[&'static str], i: usize) -> &'static str {
    pool.get(i).copied().unwrap_or_default()
}

pub(crate) fn surname(rng: &mut impl Rng) -> &'static str {
    // The first names in the list are the most common; a squared draw favours them.
    let u: f64 = rng.gen();
    pick(
        SURNAMES,
        ((u * u) * SURNAMES.len() as f64) as usize % SURNAMES.len(),
    )
}

pub(crate) fn given(rng: &mut impl Rng, male: bool) -> String {
    let pool = if male { MALE } else { FEMALE };
    let first = pick(pool, rng.gen_range(0..pool.len()));
    if rng.gen_bool(0.7) {
        format!("{first}{}", pick(pool, rng.gen_range(0..pool.len())))
    } else {
        first.to_string()
    }
}

/// Syllables for synthetic place names.
const PLACE: &[&str] = &[
    "海", "山", "湖", "泉", "阳", "东", "西", "南", "北", "河", "福", "安", "平", "宁", "兴", "华",
    "新", "城", "港", "湾", "岭", "台", "林", "石", "金", "沙", "崂", "枣", "河", "庄", "营", "店",
    "屯", "泊", "沟", "峪", "埠", "岛", "滨", "桥", "松", "柳", "杏", "桃", "荣", "昌", "盛", "和",
    "瑞", "丰", "康", "乐",
];

pub(crate) fn place(rng: &mut impl Rng) -> String {
    let a = pick(PLACE, rng.gen_range(0..PLACE.len()));
    let b = pick(PLACE, rng.gen_range(0..PLACE.len()));
    format!("{a}{b}")
}
