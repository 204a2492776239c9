//! Mandarin (Simplified Chinese, zh-CN): how callers say numbers, digit strings, dates, times,
//! yes and no, and their names.
//!
//! Speech recognisers write Mandarin without spaces, mixing Chinese numerals with Arabic digits
//! ("138零零一三8000", "3月8日"), and texters add full-width characters (１２３，。！？), so every
//! parser first folds full-width forms to ASCII and a handful of traditional characters (時, 點,
//! 兩, 號…) to their simplified forms, then works on `char`s rather than words: Chinese has no
//! spaces to split on. Values are found inside the answer rather than matched against it whole,
//! because callers wrap them in lead-ins (我要, 大概, 我的电话是) and particles (吧, 啊).
//!
//! Rules decided here (the tables under `tests/data/answers/zh/` are the specification):
//! - Numbers: 两 is 2; an abbreviated tail counts in the unit below the last one (两千五 = 2500,
//!   一万二 = 12000, 一百一 = 110) unless 零 came first (三千零五 = 3005). Two neighbouring
//!   digits (三四个, 七八个) are a rough range, not 34, so they give no number; nor do 几 and
//!   多少. 百分之五十 is 50; other fractions (三分之一) give none. Several different numbers in one
//!   answer give none.
//! - Phone numbers: 加 or 加号 right before the first digit is the plus of a country code
//!   (加1 415… is +1415…, not a Chinese number); anywhere else 加 is "add", or 加拿大.
//! - Dates: a bare weekday (星期三) is the next one strictly after today, as in English ("on
//!   Wednesday" said on a Wednesday means next week); 这周三 is the Wednesday of this Monday-to-
//!   Sunday week even if it has passed; 下周三 is next week's. A day alone (八号) is this month's
//!   if not yet past, else the next month that has it.
//! - Times: a part of the day (上午, 下午, 晚上…) settles the hour; 晚上 and 夜里 hours after
//!   midnight stay small (夜里两点 = 02:00, 晚上十二点 = 00:00). Without one, hours 1–12 are
//!   ambiguous and hours 0 and 13–23 are a 24-hour clock. A minute digit said alone after 点
//!   (七点五) is that many minutes.
//! - Yes/no: 不错 and 还行 ("not bad", "it'll do") are yes; hedges (可能, 不知道), questions (是吗)
//!   and answers holding both a yes and a no (是不是) are neither. 嗯 is yes only when nothing
//!   else in the answer is a yes or a no (otherwise it is a filler), and not when asked back (嗯？).
//! - Names are kept as said (surname first, honorifics such as 先生 kept); 我姓王，叫小明 gives
//!   王小明, and a surname alone (免贵姓陈) gives the surname.

use chrono::{Datelike, Months, NaiveDate, Weekday};

use super::lexicon::{Lexicon, Sound, Stemming};
use super::{Decimal, Parsers, Region, SpokenTime, is_han, longest, walk};
use crate::nlu::calendar::{
    add_days, month_start, next_day_of_month, next_month_day, weekday_after, weekday_of_week,
};

/// Longest answer looked at, in characters: nobody answers a question with more, and refusing
/// early keeps every scan cheap.
const MAX_CHARS: usize = 500;

/// Mandarin Chinese (Simplified, zh-CN).
#[derive(Debug, Clone, Copy, Default)]
pub struct Mandarin;

impl Parsers for Mandarin {
    fn number(&self, text: &str) -> Option<String> {
        number(text)
    }

    fn digits(&self, text: &str) -> Option<String> {
        digits(text)
    }

    fn phone(&self, text: &str, region: &Region) -> Option<String> {
        phone(text, region)
    }

    fn date(&self, text: &str, today: NaiveDate) -> Option<NaiveDate> {
        date(text, today)
    }

    fn time(&self, text: &str) -> Option<SpokenTime> {
        time(text)
    }

    fn yes_no(&self, text: &str) -> Option<bool> {
        yes_no(text)
    }

    fn name(&self, text: &str) -> Option<String> {
        name(text)
    }

    fn part_of_day(&self, text: &str) -> Option<bool> {
        super::one_of(
            text,
            &["上午", "早上", "早晨", "凌晨", "清晨", "早"],
            &["下午", "晚上", "傍晚", "夜里", "晚", "中午"],
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Text helpers. Everything works on `Vec<char>` so indices are always character positions.

/// Folds full-width ASCII (１２３ＡＢＣ，！？：) to ASCII and the ideographic space to a space.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Traditional characters callers or keyboards produce in the words the parsers look for, and
/// their simplified forms: enough to read 七點半, 兩個, 下週三 and 沒問題 without a full converter.
fn simplify(c: char) -> char {
    match c {
        '時' => '时',
        '點' => '点',
        '鐘' => '钟',
        '兩' => '两',
        '號' => '号',
        '個' => '个',
        '對' => '对',
        '沒' => '没',
        '後' => '后',
        '週' => '周',
        '這' => '这',
        '萬' => '万',
        '億' => '亿',
        '負' => '负',
        '幾' => '几',
        '禮' => '礼',
        '錯' => '错',
        '確' => '确',
        '題' => '题',
        '謝' => '谢',
        '嗎' => '吗',
        '麼' => '么',
        '還' => '还',
        '當' => '当',
        '過' => '过',
        '會' => '会',
        '裡' | '裏' => '里',
        '間' => '间',
        '歲' => '岁',
        '張' => '张',
        '塊' => '块',
        '錢' => '钱',
        '歡' => '欢',
        '說' => '说',
        '難' => '难',
        '許' => '许',
        '隨' => '随',
        '聖' => '圣',
        '誕' => '诞',
        '節' => '节',
        '慶' => '庆',
        '勞' => '劳',
        '動' => '动',
        '兒' => '儿',
        '們' => '们',
        _ => c,
    }
}

/// The answer as characters, full-width folded, or None if it is too long to be an answer.
fn chars_of(text: &str) -> Option<Vec<char>> {
    if text.chars().nth(MAX_CHARS).is_some() {
        return None;
    }
    Some(text.chars().map(fold_width).collect())
}

/// [`chars_of`], simplified and lower-cased, for the parsers that look for fixed words.
fn prepare(text: &str) -> Option<Vec<char>> {
    Some(
        chars_of(text)?
            .into_iter()
            .map(|c| simplify(c).to_ascii_lowercase())
            .collect(),
    )
}

/// [`prepare`] without any whitespace: recognisers put pauses as spaces in Chinese text, where
/// they mean nothing.
fn compact(text: &str) -> Option<Vec<char>> {
    Some(
        prepare(text)?
            .into_iter()
            .filter(|c| !c.is_whitespace())
            .collect(),
    )
}

/// Whether `s` holds `pat` starting at character `i`.
fn at(s: &[char], i: usize, pat: &str) -> bool {
    pat.chars()
        .enumerate()
        .all(|(k, p)| i.checked_add(k).and_then(|k| s.get(k)) == Some(&p))
}

/// Length of `pat` in characters.
fn len(pat: &str) -> usize {
    pat.chars().count()
}

/// First position at or after `from` where `pat` starts.
fn find(s: &[char], from: usize, pat: &str) -> Option<usize> {
    if pat.is_empty() {
        return None;
    }
    (from..s.len()).find(|&i| at(s, i, pat))
}

/// Whether `pat` occurs anywhere in `s`.
fn contains(s: &[char], pat: &str) -> bool {
    find(s, 0, pat).is_some()
}

/// Whether `s[..end]` ends with `pat`.
fn ends_with_at(s: &[char], end: usize, pat: &str) -> bool {
    let n = len(pat);
    end >= n && at(s, end - n, pat)
}

/// `s` with every occurrence of the `words` replaced by spaces, except where the word follows a
/// numeral (三十分 keeps its 十分; 十分好 loses it): they hold numeral characters without being
/// numbers (一下 "a moment", 十分 "very", 万一 "in case").
fn blank_words(s: &[char], words: &[&str]) -> Vec<char> {
    let mut out = s.to_vec();
    let said = |i: usize, w: &&str| {
        let after_numeral = i > 0 && s.get(i - 1).is_some_and(|&c| is_numeral(c));
        (!after_numeral && at(s, i, w)).then(|| len(w))
    };
    for (i, hit) in walk(s.len(), words, said) {
        if let Some((n, _)) = hit {
            for c in out.iter_mut().skip(i).take(n) {
                *c = ' ';
            }
        }
    }
    out
}

/// The longest of `table`'s words (`word` of an entry) that starts at character `i` of `s`: how
/// many characters it covers, and its entry.
fn longest_word_at<'t, T>(
    s: &[char],
    i: usize,
    table: &'t [T],
    word: impl Fn(&T) -> &str,
) -> Option<(usize, &'t T)> {
    longest(table, |entry| {
        let w = word(entry);
        at(s, i, w).then(|| len(w))
    })
}

/// Words made of numeral characters that are not numbers.
const NOT_NUMBERS: &[&str] = &[
    "一下",
    "一点儿",
    "一点点",
    "有一点",
    "一会儿",
    "一会",
    "一些",
    "一样",
    "一起",
    "一定",
    "一直",
    "一般",
    "一共",
    "一切",
    "一边",
    "一旦",
    "一致",
    "统一",
    "万一",
    "唯一",
    "十分",
    "千万",
    "百分百",
    "一百分",
];

// ---------------------------------------------------------------------------------------------
// Numerals.

/// The value of a digit character: Arabic, Chinese (幺 is 1 as said on phones, 两 is 2), or the
/// formal forms written on cheques and receipts (壹贰叁…).
fn digit_of(c: char) -> Option<u64> {
    Some(match c {
        '0'..='9' => u64::from(u32::from(c) - u32::from('0')),
        '零' | '〇' => 0,
        '一' | '幺' | '壹' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// The value of a unit character (十, 百, 千, 万, 亿 and their formal forms).
fn unit_of(c: char) -> Option<u64> {
    Some(match c {
        '十' | '拾' => 10,
        '百' | '佰' => 100,
        '千' | '仟' => 1_000,
        '万' => 10_000,
        '亿' => 100_000_000,
        _ => return None,
    })
}

/// Whether `c` can be part of a number.
fn is_numeral(c: char) -> bool {
    digit_of(c).is_some() || unit_of(c).is_some()
}

/// End of the run of numeral characters starting at `start`.
fn run_end(s: &[char], start: usize) -> usize {
    let mut end = start;
    while s.get(end).is_some_and(|&c| is_numeral(c)) {
        end += 1;
    }
    end
}

/// Start of the run of numeral characters ending just before `end`.
fn run_start(s: &[char], end: usize) -> usize {
    let mut start = end;
    while start > 0 && s.get(start - 1).is_some_and(|&c| is_numeral(c)) {
        start -= 1;
    }
    start
}

/// The whole number a run of numeral characters says: digit by digit when it has no units
/// (二零二七 = 2027, "38"), otherwise as a Chinese number (三千零五, 两千五, 3万).
fn parse_int(span: &[char]) -> Option<u64> {
    if span.is_empty() {
        return None;
    }
    if span.iter().all(|&c| unit_of(c).is_none()) {
        return span.iter().try_fold(0u64, |acc, &c| {
            acc.checked_mul(10)?.checked_add(digit_of(c)?)
        });
    }
    // The number is built in three parts: the 亿s, the 万s, and the section below 万 that is being
    // read. `pending` is a digit waiting for its unit.
    let mut yi = 0u64;
    let mut wan = 0u64;
    let mut section = 0u64;
    let mut pending: Option<u64> = None;
    // Units within a section must fall (千 then 百 then 十): 五十三百 is not a number.
    let mut section_unit = u64::MAX;
    // The unit just applied: an abbreviated tail (两千五) counts in the unit below it.
    let mut last_unit = 1u64;
    // A 零 since the last unit: the tail is then ones (三千零五).
    let mut zero = false;
    let mut i = 0;
    while let Some(&c) = span.get(i) {
        if c.is_ascii_digit() {
            if pending.is_some() {
                return None;
            }
            let mut v = 0u64;
            while let Some(d) = span.get(i).and_then(|c| c.to_digit(10)) {
                v = v.checked_mul(10)?.checked_add(u64::from(d))?;
                i += 1;
            }
            pending = Some(v);
            continue;
        }
        i += 1;
        if matches!(c, '零' | '〇') {
            if pending.is_some() {
                return None;
            }
            zero = true;
            continue;
        }
        if let Some(d) = digit_of(c) {
            if pending.is_some() {
                return None;
            }
            pending = Some(d);
            continue;
        }
        let unit = unit_of(c)?;
        match unit {
            10 | 100 | 1_000 => {
                if unit >= section_unit {
                    return None;
                }
                // 十五 is fifteen; 百 and 千 need their digit.
                let d = match pending.take() {
                    Some(d) => d,
                    None if unit == 10 => 1,
                    None => return None,
                };
                section = section.checked_add(d.checked_mul(unit)?)?;
                section_unit = unit;
            }
            10_000 => {
                if wan != 0 {
                    return None;
                }
                let s = section.checked_add(pending.take().unwrap_or(0))?;
                if s == 0 {
                    return None;
                }
                wan = s.checked_mul(10_000)?;
                section = 0;
                section_unit = u64::MAX;
            }
            _ => {
                if yi != 0 {
                    return None;
                }
                let s = wan
                    .checked_add(section)?
                    .checked_add(pending.take().unwrap_or(0))?;
                if s == 0 {
                    return None;
                }
                yi = s.checked_mul(100_000_000)?;
                wan = 0;
                section = 0;
                section_unit = u64::MAX;
            }
        }
        last_unit = unit;
        zero = false;
    }
    if let Some(d) = pending {
        let tail = if zero || d >= 10 || last_unit < 10 {
            d
        } else {
            d.checked_mul(last_unit / 10)?
        };
        section = section.checked_add(tail)?;
    }
    yi.checked_add(wan)?.checked_add(section)
}

/// The number in the numeral run starting at `start`, and where the run ends.
fn int_at(s: &[char], start: usize) -> Option<(u64, usize)> {
    let end = run_end(s, start);
    (end > start).then_some(())?;
    Some((parse_int(s.get(start..end)?)?, end))
}

/// The number in the numeral run ending just before `end`, and where the run starts.
fn int_before(s: &[char], end: usize) -> Option<(u64, usize)> {
    let start = run_start(s, end);
    (end > start).then_some(())?;
    Some((parse_int(s.get(start..end)?)?, start))
}

// ---------------------------------------------------------------------------------------------
// number

/// Measure words said after a number (三个, 两位, 五杯): dropped.
const MEASURE_WORDS: &str = "个位份张本只杯次件瓶块斤岁人间天晚号条支台辆盒包把双套碗盘";

/// Reads the number starting at `start`: whole part, a decimal part after 点 or ".", a scale
/// after the decimal (一点五万), and 个半 ("and a half"). Returns the number and where it ends.
fn read_number(s: &[char], start: usize) -> Option<(Decimal, usize)> {
    // The whole part, letting "2,500" through as one number.
    let mut end = start;
    let mut whole_chars = Vec::new();
    while let Some(&c) = s.get(end) {
        if is_numeral(c) {
            whole_chars.push(c);
            end += 1;
        } else if c == ','
            && end > start
            && s.get(end - 1).is_some_and(char::is_ascii_digit)
            && (1..=3).all(|k| s.get(end + k).is_some_and(char::is_ascii_digit))
            && !s.get(end + 4).is_some_and(char::is_ascii_digit)
        {
            end += 1;
        } else {
            break;
        }
    }
    // Two neighbouring Chinese digits (三四个, 七八个) are "three or four", not 34.
    if let [a, b] = whole_chars[..]
        && !a.is_ascii_digit()
        && !b.is_ascii_digit()
        && let (Some(x), Some(y)) = (digit_of(a), digit_of(b))
        && x != 0
        && y == x + 1
    {
        return None;
    }
    let mut value = Decimal::integer(parse_int(&whole_chars)?);
    let point = s.get(end).is_some_and(|&c| c == '点' || c == '.');
    // Decimals are read digit by digit: 七点二十 is not 7.20 (it is a time, not a number).
    let small_unit_next = s
        .get(end + 2)
        .is_some_and(|&n| unit_of(n).is_some_and(|u| u < 10_000));
    let after_point_is_digit =
        s.get(end + 1).is_some_and(|&c| digit_of(c).is_some()) && !small_unit_next;
    if point && after_point_is_digit {
        end += 1;
        while let Some(d) = s.get(end).and_then(|&c| digit_of(c)) {
            value
                .fraction
                .push(char::from_digit(u32::try_from(d).ok()?, 10)?);
            end += 1;
        }
        let zeros = match s.get(end) {
            Some('万') => 4,
            Some('亿') => 8,
            _ => 0,
        };
        if zeros > 0 {
            value = value.shifted(zeros);
            end += 1;
            // Whole numbers are read as u64 (`parse_int`): one a scale takes past that is no
            // more a number here than a run of digits past it.
            value.whole.parse::<u64>().ok()?;
        }
    } else if s.get(end) == Some(&'块')
        && let Some(d) = s.get(end + 1).and_then(|&c| digit_of(c))
        && !s.get(end + 2).is_some_and(|&c| is_numeral(c))
    {
        // 三块五 is three and a half yuan.
        value
            .fraction
            .push(char::from_digit(u32::try_from(d).ok()?, 10)?);
        end += 2;
        if s.get(end) == Some(&'毛') || s.get(end) == Some(&'角') {
            end += 1;
        }
    } else if s.get(end).is_some_and(|&c| MEASURE_WORDS.contains(c))
        && s.get(end + 1) == Some(&'半')
    {
        // 一个半 is one and a half.
        value.fraction.push('5');
        end += 2;
    }
    Some((value, end))
}

fn number(text: &str) -> Option<String> {
    let s = prepare(text)?;
    // 几 ("a few") and 多少 ("how many") are not numbers, and neither is any answer with them.
    if contains(&s, "几") || contains(&s, "多少") {
        return None;
    }
    let s = blank_words(&s, NOT_NUMBERS);
    // 百分之五十 is "fifty percent": the number is 50. Other fractions are not supported.
    let mut s2 = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if at(&s, i, "百分之") {
            s2.push(' ');
            i += 3;
        } else if at(&s, i, "零下") {
            // 零下四度: four below zero.
            s2.push('负');
            i += 2;
        } else if let Some(&c) = s.get(i) {
            s2.push(c);
            i += 1;
        } else {
            break;
        }
    }
    let s = s2;
    if contains(&s, "分之") {
        return None;
    }
    let mut found: Option<Decimal> = None;
    let mut i = 0;
    while i < s.len() {
        if !s.get(i).is_some_and(|&c| is_numeral(c)) {
            i += 1;
            continue;
        }
        let Some((mut value, end)) = read_number(&s, i) else {
            // A stray unit (百货) or a range (三四个) read as nothing; the rest may still hold one.
            if run_end(&s, i) > i && is_range(&s, i) {
                return None;
            }
            i = run_end(&s, i).max(i + 1);
            continue;
        };
        let before = s.get(..i).unwrap_or(&[]);
        let sign = before.iter().rev().find(|c| !c.is_whitespace());
        value.negative = matches!(sign, Some('负'))
            || (matches!(sign, Some('-'))
                && before
                    .iter()
                    .rev()
                    .skip_while(|c| c.is_whitespace())
                    .nth(1)
                    .is_none_or(|c| !c.is_alphanumeric()));
        match &found {
            Some(previous) if *previous != value => return None,
            _ => found = Some(value),
        }
        i = end.max(i + 1);
    }
    found.as_ref().map(Decimal::render)
}

/// Whether the run at `start` is two neighbouring digits (a range such as 三四).
fn is_range(s: &[char], start: usize) -> bool {
    let end = run_end(s, start);
    match s.get(start..end) {
        Some([a, b]) if !a.is_ascii_digit() && !b.is_ascii_digit() => {
            matches!((digit_of(*a), digit_of(*b)), (Some(x), Some(y)) if x != 0 && y == x + 1)
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// digits

/// A digit as said in a digit string: as [`digit_of`], plus 洞 (0 in radio speech).
fn spoken_digit(c: char) -> Option<u64> {
    if c == '洞' { Some(0) } else { digit_of(c) }
}

/// End of a group said as a number inside a digit string (二十三, 八千, 一千零五), which starts
/// at `start` with a unit or a digit followed by a unit.
fn group_end(s: &[char], start: usize) -> usize {
    let is_unit = |k: usize| s.get(k).is_some_and(|&c| unit_of(c).is_some());
    let is_cn_digit = |k: usize| {
        s.get(k)
            .is_some_and(|&c| !c.is_ascii_digit() && digit_of(c).is_some())
    };
    let mut j = start;
    loop {
        if is_unit(j) {
            j += 1;
        } else if is_cn_digit(j) && is_unit(j + 1) {
            j += 2;
        } else if j > start && is_unit(j - 1) {
            // After a unit: zeros and one more digit belong to the number (一千零五, 二十三).
            let mut k = j;
            while s.get(k).is_some_and(|&c| c == '零') {
                k += 1;
            }
            if is_cn_digit(k) && is_unit(k + 1) {
                j = k + 2;
                continue;
            }
            if is_cn_digit(k) {
                j = k + 1;
            }
            return j;
        } else {
            return j;
        }
    }
}

fn digits(text: &str) -> Option<String> {
    let s = blank_words(&prepare(text)?, NOT_NUMBERS);
    let mut out = String::new();
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        // 三个八 is 888.
        if let (Some(n), Some('个'), Some(d)) = (
            digit_of(c),
            s.get(i + 1),
            s.get(i + 2).and_then(|&c| spoken_digit(c)),
        ) && (2..=4).contains(&n)
        {
            for _ in 0..n {
                out.push_str(&d.to_string());
            }
            i += 3;
            continue;
        }
        // 后四位 ("the last four digits") counts digits rather than saying them.
        if is_numeral(c) && s.get(run_end(&s, i)) == Some(&'位') {
            i = run_end(&s, i) + 1;
            continue;
        }
        let starts_group = unit_of(c).is_some()
            || (!c.is_ascii_digit()
                && digit_of(c).is_some()
                && s.get(i + 1).is_some_and(|&n| unit_of(n).is_some()));
        if starts_group {
            let end = group_end(&s, i);
            if let Some(v) = s.get(i..end).and_then(parse_int) {
                out.push_str(&v.to_string());
                i = end.max(i + 1);
                continue;
            }
        }
        if let Some(d) = spoken_digit(c) {
            out.push_str(&d.to_string());
        }
        i += 1;
    }
    (!out.is_empty()).then_some(out)
}

/// How Mandarin speakers say the plus before a country code (加八六…, 加号1…).
const PLUS_WORDS: &[&str] = &["加号", "加"];

/// A phone number in E.164 (see [`Parsers::phone`]). 加 counts only right before the first
/// digit: elsewhere it is "add" or the start of 加拿大 (Canada).
fn phone(text: &str, region: &Region) -> Option<String> {
    let number = digits(text)?;
    // Found as `digits` finds its first digit, so a numeral in 一下 is not taken for it.
    let s = blank_words(&prepare(text)?, NOT_NUMBERS);
    let first = s.iter().position(|&c| is_numeral(c) || c == '洞')?;
    let before: Vec<char> = s
        .get(..first)?
        .iter()
        .copied()
        .filter(|c| !c.is_whitespace())
        .collect();
    let plus = PLUS_WORDS
        .iter()
        .any(|w| ends_with_at(&before, before.len(), w));
    region.e164(&number, plus || super::written_plus(text))
}

// ---------------------------------------------------------------------------------------------
// date

/// The last day of the month that `first` starts.
fn month_end(first: NaiveDate) -> Option<NaiveDate> {
    first.checked_add_months(Months::new(1))?.pred_opt()
}

/// Words for days relative to today.
const RELATIVE_DAYS: &[(&str, i64)] = &[
    ("大后天", 3),
    ("大前天", -3),
    ("今天", 0),
    ("今日", 0),
    ("今儿", 0),
    ("今晚", 0),
    ("今早", 0),
    ("今夜", 0),
    ("明天", 1),
    ("明日", 1),
    ("明儿", 1),
    ("明早", 1),
    ("明晚", 1),
    ("后天", 2),
    ("后日", 2),
    ("昨天", -1),
    ("昨日", -1),
    ("昨晚", -1),
    ("前天", -2),
];

/// Holidays on a fixed day of the Gregorian calendar (month, day).
const HOLIDAYS: &[(&str, u32, u32)] = &[
    ("元旦", 1, 1),
    ("情人节", 2, 14),
    ("妇女节", 3, 8),
    ("劳动节", 5, 1),
    ("五一", 5, 1),
    ("儿童节", 6, 1),
    ("国庆", 10, 1),
    ("十一长假", 10, 1),
    ("平安夜", 12, 24),
    ("圣诞", 12, 25),
];

fn date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let s = compact(text)?;
    if let Some(d) = relative_day(&s, today).or_else(|| days_from_now(&s, today)) {
        return Some(d);
    }
    // A month said settles the answer, even when the day does not exist (二月三十号): the 三十号
    // in it is not a day of this month.
    if let Some(found) = month_day(&s, today) {
        return found;
    }
    numeric_date(&s, today)
        .or_else(|| weekday(&s, today))
        .or_else(|| day_only(&s, today))
        .or_else(|| holiday(&s, today))
        .or_else(|| {
            contains(&s, "年底")
                .then(|| NaiveDate::from_ymd_opt(today.year(), 12, 31))
                .flatten()
        })
}

/// 今天, 明天, 大后天… (the earliest one said).
fn relative_day(s: &[char], today: NaiveDate) -> Option<NaiveDate> {
    (0..s.len()).find_map(|i| {
        let (_, &(_, days)) = longest_word_at(s, i, RELATIVE_DAYS, |(w, _)| w)?;
        add_days(today, days)
    })
}

/// 三天后, 两天以后, 一周后, 两个星期之后.
fn days_from_now(s: &[char], today: NaiveDate) -> Option<NaiveDate> {
    for i in 0..s.len() {
        let (unit, n) = if at(s, i, "天") {
            (1, 1)
        } else if at(s, i, "个星期") || at(s, i, "个礼拜") {
            (7, 3)
        } else if at(s, i, "星期") || at(s, i, "礼拜") {
            (7, 2)
        } else if at(s, i, "周") {
            (7, 1)
        } else {
            continue;
        };
        let after = i + n;
        let later = ["后", "以后", "之后"].iter().any(|w| at(s, after, w));
        if !later {
            continue;
        }
        let Some((count, _)) = int_before(s, i) else {
            continue;
        };
        let days = i64::try_from(count).ok()?.checked_mul(unit)?;
        return add_days(today, days);
    }
    None
}

/// Dates with a month: 三月八号, 3月8日, 二零二七年三月八日, 下个月五号, 月底, 三月底. None when
/// no month was said; Some(None) when one was, but not a real date.
fn month_day(s: &[char], today: NaiveDate) -> Option<Option<NaiveDate>> {
    let mut from = 0;
    while let Some(m) = find(s, from, "月") {
        from = m + 1;
        // The day, or the end of the month.
        let end_of_month = at(s, m + 1, "底");
        let day = int_at(s, m + 1).map(|(d, _)| d);
        if day.is_none() && !end_of_month {
            continue;
        }
        if let Some((month, month_at)) = int_before(s, m) {
            let year = year_before(s, month_at, today);
            return Some(named_month_day(year, month, day, today));
        }
        // 下个月五号, 这个月底, 月底.
        let offset = if ends_with_at(s, m, "下下个") || ends_with_at(s, m, "下下") {
            2
        } else if ends_with_at(s, m, "下个") || ends_with_at(s, m, "下") {
            1
        } else if ends_with_at(s, m, "上个") || ends_with_at(s, m, "上") {
            -1
        } else if ends_with_at(s, m, "这个")
            || ends_with_at(s, m, "这")
            || ends_with_at(s, m, "本")
            || end_of_month
        {
            0
        } else {
            continue;
        };
        return Some(month_start(today, offset).and_then(|first| match day {
            Some(d) => first.with_day(u32::try_from(d).ok()?),
            None => month_end(first),
        }));
    }
    None
}

/// The date for a month said by number, with its day (None: the end of the month) and maybe a
/// year; without a year, the next such date on or after today.
fn named_month_day(
    year: Option<i32>,
    month: u64,
    day: Option<u64>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let month32 = u32::try_from(month).ok()?;
    match (year, day) {
        (Some(y), Some(d)) => NaiveDate::from_ymd_opt(y, month32, u32::try_from(d).ok()?),
        (Some(y), None) => month_end(NaiveDate::from_ymd_opt(y, month32, 1)?),
        (None, Some(d)) => next_month_day(today, month32, u32::try_from(d).ok()?),
        (None, None) => {
            let year = if month32 >= today.month() {
                today.year()
            } else {
                today.year().checked_add(1)?
            };
            month_end(NaiveDate::from_ymd_opt(year, month32, 1)?)
        }
    }
}

/// The year said before a month that starts at `month_at` (二零二七年, 2027年, 27年, 明年).
/// None when no year was said.
fn year_before(s: &[char], month_at: usize, today: NaiveDate) -> Option<i32> {
    if month_at == 0 || s.get(month_at - 1) != Some(&'年') {
        return None;
    }
    let nian = month_at - 1;
    if let Some((y, _)) = int_before(s, nian) {
        let y = i32::try_from(y).ok()?;
        return Some(if y < 100 { 2000 + y } else { y });
    }
    let relative = [("今", 0), ("明", 1), ("后", 2), ("去", -1)];
    relative
        .iter()
        .find(|(w, _)| ends_with_at(s, nian, w))
        .and_then(|(_, k)| today.year().checked_add(*k))
}

/// Written dates: "2027-03-08", "2027/3/8", "2027.3.8", "3/8" (month first, as in China).
fn numeric_date(s: &[char], today: NaiveDate) -> Option<NaiveDate> {
    let mut i = 0;
    while i < s.len() {
        if !s.get(i).is_some_and(char::is_ascii_digit) {
            i += 1;
            continue;
        }
        let mut end = i;
        while s
            .get(end)
            .is_some_and(|&c| c.is_ascii_digit() || matches!(c, '-' | '/' | '.'))
        {
            end += 1;
        }
        let token: String = s.get(i..end).unwrap_or(&[]).iter().collect();
        i = end;
        let token = token.trim_end_matches(['-', '/', '.']);
        let sep = if token.contains('-') {
            '-'
        } else if token.contains('/') {
            '/'
        } else if token.contains('.') {
            '.'
        } else {
            continue;
        };
        let parts: Vec<&str> = token.split(sep).collect();
        let num = |p: &str| p.parse::<u32>().ok();
        match parts[..] {
            [y, m, d] if y.len() == 4 => {
                return NaiveDate::from_ymd_opt(y.parse().ok()?, num(m)?, num(d)?);
            }
            // "3.8" is a decimal number, not a date.
            [m, d] if sep != '.' => {
                return next_month_day(today, num(m)?, num(d)?);
            }
            _ => {}
        }
    }
    None
}

/// 星期三, 周三, 礼拜三, 这周五, 下个星期三, 上周一 (see the module doc for the rules).
fn weekday(s: &[char], today: NaiveDate) -> Option<NaiveDate> {
    for i in 0..s.len() {
        let after = if at(s, i, "星期") || at(s, i, "礼拜") {
            i + 2
        } else if at(s, i, "周") {
            i + 1
        } else {
            continue;
        };
        let day = match s.get(after) {
            Some('一' | '1') => Weekday::Mon,
            Some('二' | '2') => Weekday::Tue,
            Some('三' | '3') => Weekday::Wed,
            Some('四' | '4') => Weekday::Thu,
            Some('五' | '5') => Weekday::Fri,
            Some('六' | '6') => Weekday::Sat,
            Some('日' | '天' | '七' | '7') => Weekday::Sun,
            _ => continue,
        };
        let week = |k: i64| weekday_of_week(today, k, day);
        let prefixed = |words: &[&str]| words.iter().any(|w| ends_with_at(s, i, w));
        return if prefixed(&["下下个", "下下"]) {
            week(2)
        } else if prefixed(&["下个", "下"]) {
            week(1)
        } else if prefixed(&["上上个", "上上"]) {
            week(-2)
        } else if prefixed(&["上个", "上"]) {
            week(-1)
        } else if prefixed(&["这个", "这", "本"]) {
            week(0)
        } else {
            // Strictly after today: 星期一 said on a Monday is next Monday (今天 says today).
            weekday_after(today, day)
        };
    }
    None
}

/// A day of the month alone: 八号, 15日 (this month if not past, else the next month with it).
fn day_only(s: &[char], today: NaiveDate) -> Option<NaiveDate> {
    for (i, &c) in s.iter().enumerate() {
        if c != '号' && c != '日' {
            continue;
        }
        let Some((day, _)) = int_before(s, i) else {
            continue;
        };
        let day = u32::try_from(day).ok()?;
        if !(1..=31).contains(&day) {
            return None;
        }
        return next_day_of_month(today, day);
    }
    None
}

/// Fixed-date holidays (元旦, 国庆, 圣诞…): the next one on or after today.
fn holiday(s: &[char], today: NaiveDate) -> Option<NaiveDate> {
    HOLIDAYS
        .iter()
        .find(|(w, _, _)| contains(s, w))
        .and_then(|&(_, m, d)| next_month_day(today, m, d))
}

// ---------------------------------------------------------------------------------------------
// time

/// The part of the day a caller named, which settles whether an hour is morning or evening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// 凌晨: after midnight.
    EarlyMorning,
    /// 早上, 上午: morning (上午十二点 is noon).
    Morning,
    /// "am": as in English, 12 am is midnight.
    Am,
    /// 中午: around noon (中午一点 is 13:00).
    Noon,
    /// 下午, 傍晚, "pm".
    Afternoon,
    /// 晚上: evening, running past midnight (晚上十二点 = 00:00, 晚上一点 = 01:00).
    Evening,
    /// 夜里, 半夜: night (夜里两点 = 02:00, 夜里十一点 = 23:00).
    Night,
}

/// Words naming a part of the day. Single characters (早, 晚, 夜) count only right before a
/// number (晚八点), being parts of too many other words.
const PARTS: &[(&str, Part)] = &[
    ("凌晨", Part::EarlyMorning),
    ("早上", Part::Morning),
    ("早晨", Part::Morning),
    ("清晨", Part::Morning),
    ("上午", Part::Morning),
    ("今早", Part::Morning),
    ("明早", Part::Morning),
    ("a.m", Part::Am),
    ("am", Part::Am),
    ("中午", Part::Noon),
    ("正午", Part::Noon),
    ("晌午", Part::Noon),
    ("下午", Part::Afternoon),
    ("午后", Part::Afternoon),
    ("傍晚", Part::Afternoon),
    ("黄昏", Part::Afternoon),
    ("p.m", Part::Afternoon),
    ("pm", Part::Afternoon),
    ("晚上", Part::Evening),
    ("今晚", Part::Evening),
    ("明晚", Part::Evening),
    ("昨晚", Part::Evening),
    ("夜晚", Part::Evening),
    ("晚间", Part::Evening),
    ("夜里", Part::Night),
    ("夜间", Part::Night),
    ("半夜", Part::Night),
    ("午夜", Part::Night),
    ("深夜", Part::Night),
];

/// The part of the day said, if any.
fn part_of_day(s: &[char]) -> Option<Part> {
    for i in 0..s.len() {
        if let Some((_, (w, part))) = longest_word_at(s, i, PARTS, |(w, _)| w) {
            // "am"/"pm" only as words of their own (not inside "ampm" or "spam").
            let latin = w.starts_with(|c: char| c.is_ascii_alphabetic());
            let letter = |k: Option<&char>| k.is_some_and(char::is_ascii_alphabetic);
            if latin && (i > 0 && letter(s.get(i - 1)) || letter(s.get(i + len(w)))) {
                continue;
            }
            return Some(*part);
        }
        let single = match s.get(i) {
            Some('早') => Some(Part::Morning),
            Some('晚') => Some(Part::Evening),
            Some('夜') => Some(Part::Night),
            _ => None,
        };
        if single.is_some() && s.get(i + 1).is_some_and(|&c| is_numeral(c)) {
            return single;
        }
    }
    None
}

/// The 24-hour hour for an hour said with a part of the day (see [`Part`]).
fn apply_part(part: Option<Part>, hour: u32) -> u32 {
    if hour >= 24 {
        return hour % 24;
    }
    if hour > 12 || hour == 0 {
        return hour;
    }
    match part {
        None | Some(Part::Morning) => hour,
        Some(Part::EarlyMorning | Part::Am) => hour % 12,
        Some(Part::Noon) => {
            if hour <= 5 {
                hour + 12
            } else {
                hour
            }
        }
        Some(Part::Afternoon) => {
            if hour == 12 {
                12
            } else {
                hour + 12
            }
        }
        Some(Part::Evening) => match hour {
            12 => 0,
            1..=4 => hour,
            _ => hour + 12,
        },
        Some(Part::Night) => match hour {
            12 => 0,
            1..=5 => hour,
            _ => hour + 12,
        },
    }
}

/// Words holding 点 or 时 that are not o'clock (早一点 "a bit earlier", 小时 "hours").
const NOT_TIMES: &[&str] = &[
    "一点儿",
    "一点点",
    "有一点",
    "差一点",
    "早一点",
    "晚一点",
    "快一点",
    "慢一点",
    "提前一点",
    "一下",
    "一会儿",
    "一会",
];

/// Minutes said as an offset: 一刻 (15), 三刻 (45), 五分, 十分钟. Returns minutes and the end.
fn offset_at(s: &[char], i: usize) -> Option<(u32, usize)> {
    if let Some(d) = s.get(i).and_then(|&c| digit_of(c))
        && s.get(i + 1) == Some(&'刻')
    {
        let minutes = u32::try_from(d).ok()?.checked_mul(15)?;
        return (minutes < 60).then_some((minutes, i + 2));
    }
    let (m, mut end) = int_at(s, i)?;
    let m = u32::try_from(m).ok()?;
    if at(s, end, "分钟") {
        end += 2;
    } else if at(s, end, "分") {
        end += 1;
    }
    (m < 60).then_some((m, end))
}

fn time(text: &str) -> Option<SpokenTime> {
    let s = blank_words(&compact(text)?, NOT_TIMES);
    let part = part_of_day(&s);

    // The hour: a number right before 点, 时 or ":" (or "am"/"pm").
    let marker = (0..s.len()).find(|&i| {
        let c = s.get(i).copied();
        let is_marker = matches!(c, Some('点' | '时'))
            || (c == Some(':')
                && i > 0
                && s.get(i - 1).is_some_and(char::is_ascii_digit)
                && s.get(i + 1).is_some_and(char::is_ascii_digit));
        is_marker && int_before(&s, i).is_some()
    });
    let Some(marker) = marker else {
        return bare_hour_with_part(&s, part);
    };
    let (said, hour_start) = int_before(&s, marker)?;
    let said = u32::try_from(said).ok()?;
    if said > 24 {
        return None;
    }

    // The minutes after the hour.
    let mut minute = 0u32;
    let mut before = 0u32;
    if s.get(marker) == Some(&':') {
        let (m, end) = int_at(&s, marker + 1)?;
        if end != marker + 3 {
            return None;
        }
        minute = u32::try_from(m).ok()?;
    } else {
        let mut j = marker + 1;
        if at(&s, j, "钟") {
            j += 1;
        }
        if at(&s, j, "过") {
            j += 1;
        }
        if at(&s, j, "差") {
            before = offset_at(&s, j + 1)?.0;
        } else if at(&s, j, "半") {
            minute = 30;
        } else if let Some((m, _)) = offset_at(&s, j) {
            minute = m;
        } else if int_at(&s, j).is_some() || s.get(j).is_some_and(|&c| is_numeral(c)) {
            // Minutes said but impossible (七点七十分).
            return None;
        }
    }
    if minute >= 60 {
        return None;
    }
    // 差一刻十点, 差五分十点: the offset comes before the hour.
    if before == 0
        && let Some(cha) = (0..hour_start).rev().find(|&k| at(&s, k, "差"))
        && let Some((m, end)) = offset_at(&s, cha + 1)
        && end == hour_start
    {
        before = m;
    }

    let hour = apply_part(part, said);
    let total = (hour * 60 + minute + 24 * 60 - before) % (24 * 60);
    let ambiguous = part.is_none() && (1..=12).contains(&said);
    let mut hour = total / 60;
    // 差一刻一点 without a part of the day is a quarter to one: 12:45, whichever half of the day.
    if ambiguous && hour == 0 {
        hour = 12;
    }
    Some(SpokenTime {
        hour,
        minute: total % 60,
        ambiguous,
    })
}

/// Times without 点: "7pm", "7 am", or a part of the day that is itself a time (中午, 半夜).
fn bare_hour_with_part(s: &[char], part: Option<Part>) -> Option<SpokenTime> {
    for (i, &c) in s.iter().enumerate() {
        if c != 'a' && c != 'p' {
            continue;
        }
        if let Some((h, _)) = int_before(s, i)
            && (at(s, i, "am") || at(s, i, "pm") || at(s, i, "a.m") || at(s, i, "p.m"))
        {
            let h = u32::try_from(h).ok()?;
            if !(1..=12).contains(&h) {
                return None;
            }
            let p = if c == 'a' { Part::Am } else { Part::Afternoon };
            return Some(SpokenTime {
                hour: apply_part(Some(p), h),
                minute: 0,
                ambiguous: false,
            });
        }
    }
    let hour = if contains(s, "半夜") || contains(s, "午夜") {
        0
    } else if part == Some(Part::Noon) {
        12
    } else {
        return None;
    };
    Some(SpokenTime {
        hour,
        minute: 0,
        ambiguous: false,
    })
}

// ---------------------------------------------------------------------------------------------
// yes_no

/// What a word says in a yes/no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Says {
    Yes,
    /// Yes alone, but an intensifier before a no (当然不是, 肯定没有): the no wins.
    Sure,
    /// 嗯: yes when nothing else answers, otherwise a filler (嗯，不是 is no).
    Hum,
    No,
    /// 不, 没, 别: no alone, and turns a yes right after it into a no (不太好).
    Not,
    /// The caller has not decided (可能, 不知道).
    Hedge,
    /// A question back (是吗, 什么).
    Question,
    /// Holds yes or no characters without answering (对不起, 但是, 要是).
    Neither,
}

/// Yes/no words, matched longest first, so 不是 is one no rather than a 不 and a 是, and 没问题 one
/// yes rather than a 没 and a 问题.
const YES_NO: &[(&str, Says)] = &[
    ("是", Says::Yes),
    ("是的", Says::Yes),
    ("是啊", Says::Yes),
    ("是呀", Says::Yes),
    ("是滴", Says::Yes),
    ("是吧", Says::Yes),
    ("就是", Says::Yes),
    ("可不是", Says::Yes),
    ("对", Says::Yes),
    ("对的", Says::Yes),
    ("对啊", Says::Yes),
    ("对呀", Says::Yes),
    ("对头", Says::Yes),
    ("对了", Says::Yes),
    ("对吧", Says::Yes),
    ("好", Says::Yes),
    ("好的", Says::Yes),
    ("好啊", Says::Yes),
    ("好呀", Says::Yes),
    ("好滴", Says::Yes),
    ("好嘞", Says::Yes),
    ("好吧", Says::Yes),
    ("行", Says::Yes),
    ("可以", Says::Yes),
    ("没错", Says::Yes),
    ("没问题", Says::Yes),
    ("不错", Says::Yes),
    ("还行", Says::Yes),
    ("正确", Says::Yes),
    ("同意", Says::Yes),
    ("愿意", Says::Yes),
    ("要", Says::Yes),
    ("需要", Says::Yes),
    ("有", Says::Yes),
    ("有的", Says::Yes),
    ("ok", Says::Yes),
    ("okay", Says::Yes),
    ("yes", Says::Yes),
    ("yeah", Says::Yes),
    ("yep", Says::Yes),
    ("yup", Says::Yes),
    ("sure", Says::Yes),
    ("👍", Says::Yes),
    ("👌", Says::Yes),
    ("当然", Says::Sure),
    ("确定", Says::Sure),
    ("确认", Says::Sure),
    ("肯定", Says::Sure),
    ("一定", Says::Sure),
    ("必须", Says::Sure),
    ("绝对", Says::Sure),
    ("嗯", Says::Hum),
    ("嗯嗯", Says::Hum),
    ("恩", Says::Hum),
    ("嗯哼", Says::Hum),
    ("不是", Says::No),
    ("不对", Says::No),
    ("不行", Says::No),
    ("不要", Says::No),
    ("不用", Says::No),
    ("不可以", Says::No),
    ("不好", Says::No),
    ("不能", Says::No),
    ("不需要", Says::No),
    ("不想", Says::No),
    ("不愿意", Says::No),
    ("不同意", Says::No),
    ("不必", Says::No),
    ("不了", Says::No),
    ("不成", Says::No),
    ("没有", Says::No),
    ("没了", Says::No),
    ("算了", Says::No),
    ("错了", Says::No),
    ("错", Says::No),
    ("否", Says::No),
    ("拒绝", Says::No),
    ("甭", Says::No),
    ("no", Says::No),
    ("nope", Says::No),
    ("nah", Says::No),
    ("👎", Says::No),
    ("不", Says::Not),
    ("没", Says::Not),
    ("别", Says::Not),
    ("不太", Says::Not),
    ("不大", Says::Not),
    ("并不", Says::Not),
    ("不怎么", Says::Not),
    ("可能", Says::Hedge),
    ("也许", Says::Hedge),
    ("或许", Says::Hedge),
    ("大概", Says::Hedge),
    ("不一定", Says::Hedge),
    ("不知道", Says::Hedge),
    ("不晓得", Says::Hedge),
    ("不清楚", Says::Hedge),
    ("不确定", Says::Hedge),
    ("不太确定", Says::Hedge),
    ("说不定", Says::Hedge),
    ("不好说", Says::Hedge),
    ("难说", Says::Hedge),
    ("再说", Says::Hedge),
    ("考虑", Says::Hedge),
    ("想想", Says::Hedge),
    ("看看", Says::Hedge),
    ("随便", Says::Hedge),
    ("差不多", Says::Hedge),
    ("看情况", Says::Hedge),
    ("还没想好", Says::Hedge),
    ("maybe", Says::Hedge),
    ("吗", Says::Question),
    ("么", Says::Question),
    ("什么", Says::Question),
    ("啥", Says::Question),
    ("为什么", Says::Question),
    ("怎么", Says::Question),
    ("是否", Says::Question),
    ("要不要", Says::Question),
    ("可不可以", Says::Question),
    ("能不能", Says::Question),
    ("需不需要", Says::Question),
    ("对不起", Says::Neither),
    ("你好", Says::Neither),
    ("您好", Says::Neither),
    ("最好", Says::Neither),
    ("好久", Says::Neither),
    ("不好意思", Says::Neither),
    ("不客气", Says::Neither),
    ("没事", Says::Neither),
    ("没关系", Says::Neither),
    ("还是", Says::Neither),
    ("但是", Says::Neither),
    ("可是", Says::Neither),
    ("要是", Says::Neither),
    ("只是", Says::Neither),
    ("于是", Says::Neither),
    ("总是", Says::Neither),
    ("好像", Says::Neither),
    ("好多", Says::Neither),
    ("有点", Says::Neither),
    ("有些", Says::Neither),
    ("还有", Says::Neither),
    ("所有", Says::Neither),
    ("只有", Says::Neither),
    ("只要", Says::Neither),
    ("重要", Says::Neither),
    ("主要", Says::Neither),
    ("要不然", Says::Neither),
    ("不过", Says::Neither),
    ("不管", Says::Neither),
    ("银行", Says::Neither),
    ("旅行", Says::Neither),
];

/// The yes/no words in `s`, in order, with where each ends.
fn yes_no_words(s: &[char]) -> Vec<(Says, usize, usize)> {
    let letter = |k: Option<&char>| k.is_some_and(char::is_ascii_alphabetic);
    let said = |i: usize, (w, _): &(&str, Says)| {
        let latin = w.starts_with(|c: char| c.is_ascii_alphabetic());
        let inside_a_word = i > 0 && letter(s.get(i - 1)) || letter(s.get(i + len(w)));
        (at(s, i, w) && !(latin && inside_a_word)).then(|| len(w))
    };
    walk(s.len(), YES_NO, said)
        .filter_map(|(i, hit)| hit.map(|(n, &(_, says))| (says, i, i + n)))
        .collect()
}

fn yes_no(text: &str) -> Option<bool> {
    let s = compact(text)?;
    let words = yes_no_words(&s);
    let (mut yes, mut no, mut hum) = (false, false, false);
    let mut k = 0;
    while let Some(&(says, _, end)) = words.get(k) {
        let next = words.get(k + 1).filter(|&&(_, start, _)| start == end);
        k += 1;
        match says {
            Says::Yes => yes = true,
            Says::Hum => hum = true,
            Says::No => no = true,
            Says::Sure => {
                // 当然不是: the intensifier goes with the no after it.
                if !next.is_some_and(|&(n, _, _)| matches!(n, Says::No | Says::Not)) {
                    yes = true;
                }
            }
            Says::Not => {
                // 不太好: the yes right after a 不 is part of the no.
                if next.is_some_and(|&(n, _, _)| matches!(n, Says::Yes | Says::Sure | Says::Hum)) {
                    k += 1;
                }
                no = true;
            }
            Says::Hedge | Says::Question => return None,
            Says::Neither => {}
        }
    }
    // A lone 嗯 asked back (嗯？) is "pardon?", not yes.
    let hum_asked = hum && s.iter().rev().find(|c| !c.is_whitespace()) == Some(&'?');
    match (yes || (hum && !no && !hum_asked), no) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// name

/// Words before a name, longest first where one begins another. Latin ones are compared
/// ignoring case.
const NAME_LEAD_INS: &[&str] = &[
    "我的名字叫做",
    "我的名字叫",
    "我的名字是",
    "我名字叫",
    "我名字是",
    "名字叫做",
    "名字叫",
    "名字是",
    "我的姓名是",
    "姓名是",
    "姓名",
    "名字",
    "我叫做",
    "我名叫",
    "我叫",
    "叫我",
    "我是",
    "我这边是",
    "这边是",
    "这里是",
    "本人是",
    "本人",
    "叫做",
    "名叫",
    "叫",
    "是",
    "my name is",
    "my name's",
    "name is",
    "this is",
    "i am",
    "i'm",
    "it's",
];

/// Fillers said before anything else.
const NAME_FILLERS: &[&str] = &[
    "嗯", "呃", "额", "啊", "哦", "喂", "那个", "这个", "你好", "您好", "hello", "hi", "um", "uh",
];

/// Words after a name: particles and "that will do" (叫我小王就行).
const NAME_TAILS: &[&str] = &[
    "就行了",
    "就行",
    "就好了",
    "就好",
    "就可以了",
    "就可以",
    "就是了",
    "好了",
    "谢谢你",
    "谢谢",
    "啊",
    "呀",
    "哦",
    "吧",
    "呢",
    "啦",
    "哈",
    "嘛",
    "嗯",
    "了",
];

/// Characters no Chinese name holds but sentences that are not names do (pronouns, question
/// particles, 不, 没, 要…).
const NOT_NAME_CHARS: &str =
    "我你您他她它们吗呢么吧啊呀哦嘛要请帮谁哪啥怎没不了这那个的把被让给说问找在";

/// Answers that are not names even though they hold no such character.
const NOT_NAMES: &[&str] = &[
    "好",
    "好的",
    "对",
    "对的",
    "是",
    "是的",
    "行",
    "可以",
    "嗯",
    "喂",
    "谢谢",
    "你好",
    "您好",
    "没问题",
    "知道",
    "名字",
    "姓名",
    "no",
    "yes",
    "ok",
    "okay",
    "hello",
    "sorry",
];

/// `s` without `pat` at its start (Latin compared ignoring case), if it starts with it.
fn strip_prefix<'a>(s: &'a [char], pat: &str) -> Option<&'a [char]> {
    let n = len(pat);
    let head = s.get(..n)?;
    let same = head
        .iter()
        .zip(pat.chars())
        .all(|(a, b)| a.to_ascii_lowercase() == b);
    if !same {
        return None;
    }
    // A Latin lead-in must end at a word boundary ("it's" is not the start of "itsuki").
    if pat.ends_with(|c: char| c.is_ascii_alphabetic())
        && s.get(n).is_some_and(char::is_ascii_alphabetic)
    {
        return None;
    }
    s.get(n..)
}

/// Trims whitespace at both ends.
fn trim(mut s: &[char]) -> &[char] {
    while let [first, rest @ ..] = s
        && first.is_whitespace()
    {
        s = rest;
    }
    while let [rest @ .., last] = s
        && last.is_whitespace()
    {
        s = rest;
    }
    s
}

/// A clause without its fillers, lead-ins and trailing particles.
fn strip_name_clause(clause: &[char]) -> &[char] {
    let mut s = trim(clause);
    loop {
        let before = s.len();
        for words in [NAME_FILLERS, NAME_LEAD_INS] {
            // Longest first, so 我的名字是 wins over 是.
            let prefix = longest(words, |w| strip_prefix(s, w).map(|_| len(w)));
            if let Some(rest) = prefix.and_then(|(n, _)| s.get(n..)) {
                s = trim(rest);
            }
        }
        if s.len() == before {
            break;
        }
    }
    loop {
        let before = s.len();
        if let Some((tail, _)) =
            longest(NAME_TAILS, |w| ends_with_at(s, s.len(), w).then(|| len(w)))
        {
            // A lone 啊 or 了 is not stripped from a name of one character.
            if s.len() > tail {
                s = trim(s.get(..s.len() - tail).unwrap_or(&[]));
            }
        }
        if s.len() == before {
            break;
        }
    }
    s
}

/// The name in `s` (already stripped), tidied, if it looks like one: spaces between Chinese
/// characters dropped (recogniser pauses), Latin spelling and case kept.
fn tidy_name(s: &[char]) -> Option<String> {
    let s = trim(s);
    let mut out: Vec<char> = Vec::with_capacity(s.len());
    for (i, &c) in s.iter().enumerate() {
        if c.is_whitespace() {
            let prev_han = out.last().is_some_and(|&p| is_han(p));
            let next_han = s.get(i + 1).is_some_and(|&n| is_han(n));
            if prev_han || next_han || out.last().is_some_and(|p| p.is_whitespace()) {
                continue;
            }
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    if out.is_empty() {
        return None;
    }
    let allowed = |c: &char| {
        is_han(*c) || c.is_alphabetic() || matches!(c, ' ' | '·' | '•' | '-' | '\'' | '.')
    };
    if !out.iter().all(allowed) || !out.iter().any(|c| c.is_alphabetic()) {
        return None;
    }
    let han = out.iter().filter(|&&c| is_han(c)).count();
    let dotted = out.contains(&'·') || out.contains(&'•');
    let latin_words = out
        .split(|c| c.is_whitespace() || is_han(*c))
        .filter(|w| !w.is_empty())
        .count();
    if han > if dotted { 15 } else { 6 } || latin_words > 4 || out.len() > 40 {
        return None;
    }
    if out.iter().any(|&c| NOT_NAME_CHARS.contains(c)) {
        return None;
    }
    let text: String = out.iter().collect();
    let lower = text.to_lowercase();
    if NOT_NAMES.contains(&lower.as_str()) || lower.contains("知道") || lower.contains("可以") {
        return None;
    }
    Some(text)
}

fn name(text: &str) -> Option<String> {
    let s = chars_of(text)?;
    // Clauses: split at punctuation ("免贵姓陈，陈静"; "王小明。"), keeping the marks names use.
    let is_break = |c: &char| {
        !(c.is_alphanumeric() || c.is_whitespace() || matches!(c, '·' | '•' | '-' | '\''))
    };
    let mut surname: Option<Vec<char>> = None;
    for clause in s.split(is_break) {
        let clause = strip_name_clause(clause);
        if clause.is_empty() {
            continue;
        }
        // 免贵姓陈 / 我姓王，叫小明 / 我姓王叫王小明 / 姓王名小明.
        let after_xing = ["免贵姓", "我姓", "姓"]
            .iter()
            .find_map(|w| strip_prefix(clause, w));
        if let Some(rest) = after_xing {
            let rest = trim(rest);
            let split = rest.iter().position(|&c| c == '叫' || c == '名');
            let (family, given) = match split {
                Some(k) => (
                    rest.get(..k).unwrap_or(&[]),
                    strip_name_clause(rest.get(k + 1..).unwrap_or(&[])),
                ),
                None => (rest, &[][..]),
            };
            let family = trim(family);
            if family.is_empty() || family.len() > 2 || tidy_name(family).is_none() {
                return None;
            }
            if !given.is_empty() {
                return with_surname(family, given);
            }
            surname = Some(family.to_vec());
            continue;
        }
        return match &surname {
            Some(family) => with_surname(family, clause),
            None => tidy_name(clause),
        };
    }
    surname.and_then(|f| tidy_name(&f))
}

/// A given part said after 我姓王: the full name, surname first (小明 → 王小明; 王小明 stays).
fn with_surname(family: &[char], given: &[char]) -> Option<String> {
    if given.starts_with(family) || !given.iter().all(|&c| is_han(c)) || given.len() > 2 {
        tidy_name(given)
    } else {
        let mut full = family.to_vec();
        full.extend_from_slice(given);
        tidy_name(&full)
    }
}

/// Mandarin for the intent matcher: every Han character is a token (see
/// [`crate::nlu::text::normalize`]), so the lists are of characters. Particles and pronouns
/// (的, 了, 吗, 我, 您) are stop words; the question characters (什么, 怎么, 哪, 几, 谁) weigh but
/// are no evidence alone. Homophones meet by pinyin: a recogniser's 记件 finds the samples'
/// 寄件. Weekdays and months are written with numerals (星期三, 三月), so there is no class of
/// their own.
pub static LEXICON: Lexicon = Lexicon {
    fillers: &[
        "呀", "呃", "哈", "哦", "唉", "啊", "啦", "喂", "嗯", "嘛", "噢", "诶", "额",
    ],
    stop_words: &[
        "一", "下", "个", "为", "也", "了", "从", "他", "以", "们", "会", "你", "到", "又", "可",
        "吗", "吧", "呢", "和", "在", "地", "她", "它", "对", "就", "帮", "很", "得", "您", "想",
        "我", "把", "是", "有", "的", "着", "给", "能", "被", "要", "让", "请", "跟", "过", "还",
        "这", "那", "都", "问",
    ],
    no_evidence: &["么", "什", "几", "哪", "怎", "谁"],
    days: &[],
    months: &[],
    numbers: &[],
    stemming: Stemming::None,
    sound: Sound::Pinyin,
    out_of_scope: include_str!("out_of_scope/zh.txt"),
};

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of a `said<TAB>expected` table, without comments and blank lines.
    fn rows(table: &str) -> Vec<(&str, &str)> {
        table
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| l.split_once('\t').unwrap_or((l, "")))
            .collect()
    }

    /// Runs a table through `parse` (which writes the answer as the table does), prints every
    /// miss and asserts at least 95% are right.
    fn check(name: &str, table: &str, parse: impl Fn(&str) -> String) {
        let rows = rows(table);
        assert!(rows.len() >= 35, "{name}: only {} rows", rows.len());
        let mut right = 0;
        for (said, expected) in &rows {
            let got = parse(said);
            if got == *expected {
                right += 1;
            } else {
                println!("{name}: {said:?} → {got:?}, expected {expected:?}");
            }
        }
        let share = f64::from(right) / rows.len() as f64;
        println!(
            "{name}: {right}/{} right ({:.1}%)",
            rows.len(),
            share * 100.0
        );
        assert!(share >= 0.95, "{name}: only {:.1}% right", share * 100.0);
    }

    fn or_dash(v: Option<String>) -> String {
        v.unwrap_or_else(|| "-".to_string())
    }

    #[test]
    fn number_table() {
        check(
            "number",
            include_str!("../../../tests/data/answers/zh/number.tsv"),
            |s| or_dash(Mandarin.number(s)),
        );
    }

    #[test]
    fn digits_table() {
        check(
            "digits",
            include_str!("../../../tests/data/answers/zh/digits.tsv"),
            |s| or_dash(Mandarin.digits(s)),
        );
    }

    /// The numbering plan of a Mandarin bot.
    fn china() -> Region {
        super::super::find("zh-CN")
            .expect("zh-CN is a language")
            .region
    }

    #[test]
    fn phone_table() {
        let region = china();
        check(
            "phone",
            include_str!("../../../tests/data/answers/zh/phone.tsv"),
            |s| or_dash(Mandarin.phone(s, &region)),
        );
    }

    #[test]
    fn jia_before_the_digits_is_a_plus() {
        let cn = china();
        let phone = |s: &str| Mandarin.phone(s, &cn);
        assert_eq!(phone("加1 415 555 1234").as_deref(), Some("+14155551234"));
        assert_eq!(
            phone("加八六一三八零零一三八零零零").as_deref(),
            Some("+8613800138000")
        );
        assert_eq!(
            phone("加号 八六 一三八零零一三八零零零").as_deref(),
            Some("+8613800138000")
        );
        // Without 加, eleven digits are a Chinese mobile.
        assert_eq!(phone("1 415 555 1234").as_deref(), Some("+8614155551234"));
        // 加 not right before the digits is not a plus (加拿大 is Canada).
        assert_eq!(
            phone("加拿大的 1 415 555 1234").as_deref(),
            Some("+8614155551234")
        );
        assert_eq!(phone("加一二三"), None);
        assert_eq!(phone("加"), None);
        // A digit string is still only digits.
        assert_eq!(Mandarin.digits("加一二三").as_deref(), Some("123"));
    }

    #[test]
    fn date_table() {
        let table = include_str!("../../../tests/data/answers/zh/date.tsv");
        let today = table
            .lines()
            .find_map(|l| l.strip_prefix("# today: "))
            .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
            .expect("date.tsv starts with # today: YYYY-MM-DD");
        check("date", table, |s| {
            or_dash(
                Mandarin
                    .date(s, today)
                    .map(|d| d.format("%Y-%m-%d").to_string()),
            )
        });
    }

    #[test]
    fn time_table() {
        check(
            "time",
            include_str!("../../../tests/data/answers/zh/time.tsv"),
            |s| {
                or_dash(Mandarin.time(s).map(|t| {
                    let hhmm = format!("{:02}:{:02}", t.hour, t.minute);
                    if t.ambiguous {
                        format!("{hhmm} ambiguous")
                    } else {
                        hhmm
                    }
                }))
            },
        );
    }

    #[test]
    fn yes_no_table() {
        check(
            "yes_no",
            include_str!("../../../tests/data/answers/zh/yes_no.tsv"),
            |s| match Mandarin.yes_no(s) {
                Some(true) => "Yes".to_string(),
                Some(false) => "No".to_string(),
                None => "-".to_string(),
            },
        );
    }

    #[test]
    fn name_table() {
        check(
            "name",
            include_str!("../../../tests/data/answers/zh/name.tsv"),
            |s| or_dash(Mandarin.name(s)),
        );
    }

    #[test]
    fn chinese_numbers() {
        let cases = [
            ("十", 10),
            ("十五", 15),
            ("二十", 20),
            ("一百一", 110),
            ("一百零一", 101),
            ("一千零五十", 1050),
            ("两千五", 2500),
            ("三千零五", 3005),
            ("一万二", 12000),
            ("一万零二", 10002),
            ("二十一万五", 215000),
            ("一亿五", 150_000_000),
            ("三亿两千万", 320_000_000),
            ("3万", 30000),
            ("二零二七", 2027),
        ];
        for (said, value) in cases {
            let chars: Vec<char> = said.chars().collect();
            assert_eq!(parse_int(&chars), Some(value), "{said}");
        }
        for bad in ["百", "五十三百", "万", "一万万", "三三十"] {
            let chars: Vec<char> = bad.chars().collect();
            assert_eq!(parse_int(&chars), None, "{bad}");
        }
    }

    #[test]
    fn numbers_in_answers() {
        assert_eq!(number("九百零六").as_deref(), Some("906"));
        assert_eq!(number("七点二").as_deref(), Some("7.2"));
        assert_eq!(number("负四").as_deref(), Some("-4"));
        assert_eq!(number("一点五万").as_deref(), Some("15000"));
        assert_eq!(number("一个半").as_deref(), Some("1.5"));
        assert_eq!(number("三四个"), None);
        assert_eq!(number("十几个"), None);
        assert_eq!(number("三个或者四个"), None);
        assert_eq!(number("九九九九九九九九九九九九九九九九九九九九九九"), None);
    }

    #[test]
    fn weekday_rules() {
        // 2026-12-09 is a Wednesday.
        let wednesday = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        let d = |s| date(s, wednesday).map(|d| d.to_string());
        assert_eq!(d("星期三").as_deref(), Some("2026-12-16"));
        assert_eq!(d("这周三").as_deref(), Some("2026-12-09"));
        assert_eq!(d("这周一").as_deref(), Some("2026-12-07"));
        assert_eq!(d("下周三").as_deref(), Some("2026-12-16"));
        assert_eq!(d("周日").as_deref(), Some("2026-12-13"));
        assert_eq!(d("九号").as_deref(), Some("2026-12-09"));
        assert_eq!(d("八号").as_deref(), Some("2027-01-08"));
        assert_eq!(d("三十一号").as_deref(), Some("2026-12-31"));
        assert_eq!(d("2月29日").as_deref(), Some("2028-02-29"));
        assert_eq!(d("2月30日"), None);
    }

    #[test]
    fn times() {
        let t = |s| time(s).map(|t| (t.hour, t.minute, t.ambiguous));
        assert_eq!(t("差一刻一点"), Some((12, 45, true)));
        assert_eq!(t("晚上差一刻十点"), Some((21, 45, false)));
        assert_eq!(t("零点"), Some((0, 0, false)));
        assert_eq!(t("二十四点"), Some((0, 0, false)));
        assert_eq!(t("7pm"), Some((19, 0, false)));
        assert_eq!(t("十二点 am"), Some((0, 0, false)));
        assert_eq!(t("二十五点"), None);
        assert_eq!(t("七点七十分"), None);
        assert_eq!(t("早一点"), None);
    }

    #[test]
    fn yes_no_rules() {
        assert_eq!(yes_no("当然不是"), Some(false));
        assert_eq!(yes_no("肯定"), Some(true));
        assert_eq!(yes_no("不太好"), Some(false));
        assert_eq!(yes_no("嗯，不要"), Some(false));
        assert_eq!(yes_no("是不是"), None);
        assert_eq!(yes_no("不，是的"), None);
        assert_eq!(yes_no("I know"), None);
    }

    #[test]
    fn names() {
        assert_eq!(name("我姓王，叫小明").as_deref(), Some("王小明"));
        assert_eq!(name("我姓欧阳").as_deref(), Some("欧阳"));
        assert_eq!(name("买买提·艾力").as_deref(), Some("买买提·艾力"));
        assert_eq!(name("王 小明").as_deref(), Some("王小明"));
        assert_eq!(name("你好"), None);
    }

    /// Nothing panics, whatever comes in.
    #[test]
    fn odd_inputs() {
        let long = "八".repeat(600);
        let long_mixed = "点十万亿零".repeat(90);
        let odd = [
            "",
            " ",
            "　",
            "。",
            "，，，",
            "点",
            "点点点点",
            "十十十十",
            "亿亿亿",
            "万万",
            "零零零零",
            "负",
            "--4",
            "-",
            "负负负三",
            "一点",
            "一点。",
            "3.",
            ".5",
            "..",
            "1,",
            ",234",
            "9,999,999,999,999,999,999",
            "九九九九九九九九九九九九九九九九九九九九九",
            "九千九百九十九亿九千九百九十九万九千九百九十九亿",
            "18446744073709551616",
            "月",
            "月月月",
            "号",
            "十三月四十五号",
            "0月0日",
            "99999年1月1日",
            "9999999999年1月1日",
            "二零二七年二月三十号",
            "星期",
            "星期八",
            "下下下下周",
            "周",
            "99999天后",
            "九九九九九九九九九九九九九九天后",
            "2027-02-30",
            "9999999999-1-1",
            "1/",
            "/1",
            "1//1",
            "差",
            "差差差",
            "差一刻",
            "差九刻十点",
            "点差",
            "七点差",
            ":",
            "::",
            "99:99",
            "1:2",
            "12:345",
            "am",
            "pm",
            "99pm",
            "十三点半pm",
            "晚",
            "夜",
            "姓",
            "免贵姓",
            "我姓，叫",
            "我叫",
            "不",
            "嗯",
            "吗",
            "😀",
            "👍👎",
            "🇨🇳",
            "\u{0}",
            "\u{200B}\u{200D}",
            "e\u{301}",
            "مرحبا",
            "Ｄａｖｉｄ",
            "１２３，。！？",
            "\u{FF5E}\u{FF01}",
            "𠀀𠀁",
            long.as_str(),
            long_mixed.as_str(),
        ];
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let extremes = [
            NaiveDate::MIN,
            NaiveDate::MAX,
            today,
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
        ];
        let cn = china();
        for text in odd {
            let _ = Mandarin.number(text);
            let _ = Mandarin.digits(text);
            let _ = Mandarin.phone(text, &cn);
            let _ = Mandarin.time(text);
            let _ = Mandarin.yes_no(text);
            let _ = Mandarin.name(text);
            for day in extremes {
                let _ = Mandarin.date(text, day);
                for extra in [
                    "明天",
                    "下周三",
                    "八号",
                    "月底",
                    "三月八号",
                    "三天后",
                    "元旦",
                ] {
                    let _ = Mandarin.date(&format!("{text}{extra}"), day);
                }
            }
        }
        assert_eq!(Mandarin.number(&long), None);
        assert_eq!(Mandarin.digits(&long), None);
    }
}
