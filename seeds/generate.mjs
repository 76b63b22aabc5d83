#!/usr/bin/env node
// Deterministic demo-data generator for onestop (Xing'an League 兴安盟, 2018).
//
//   node seeds/generate.mjs        writes seeds/hospitals.csv, seeds/people.csv (the register files)
//                                  and seeds/bills.jsonl; and seeds/catalogue.csv with seeds/attempts.jsonl
//                                  only when every bill agrees with the catalogue (see the end of this file)
//   node seeds/check.mjs           validates them
//
// Plain Node ESM, no dependencies. All randomness comes from one mulberry32 PRNG with a fixed
// seed, and every draw happens in a fixed order, so the output is byte-identical on every run.
// The five status-change people (P-000151..P-000155) and their bills are drawn after every other
// draw, so adding them left the first 150 people and their 410 bills exactly as they were.
// Money is handled in integer fen and quantities in integer hundredths; no floating-point
// arithmetic ever touches a yuan amount.

import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = dirname(fileURLToPath(import.meta.url));
const SEED = 0x152200;

// ---------------------------------------------------------------- PRNG and helpers
function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(SEED);
const randInt = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = (a) => a[Math.floor(rnd() * a.length)];
const chance = (p) => rnd() < p;
function weighted(obj) { // { key: weight } -> key
  const entries = Object.entries(obj).filter(([, w]) => w > 0);
  let total = 0; for (const [, w] of entries) total += w;
  let r = rnd() * total;
  for (const [k, w] of entries) { if ((r -= w) < 0) return k; }
  return entries[entries.length - 1][0];
}
function shuffle(a) {
  const b = a.slice();
  for (let i = b.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [b[i], b[j]] = [b[j], b[i]]; }
  return b;
}
function sample(a, n) { return shuffle(a).slice(0, Math.max(0, Math.min(n, a.length))); }
// small deterministic string hash (FNV-1a), used for per-hospital price variation
function hash(s) { let h = 0x811c9dc5; for (const c of s) { h ^= c.codePointAt(0); h = Math.imul(h, 0x01000193) >>> 0; } return h; }

// money: integer fen; quantities: integer hundredths
const fmtMoney = (fen) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
function fmtQty(h) {
  const i = Math.floor(h / 100), f = h % 100;
  if (f === 0) return String(i);
  if (f % 10 === 0) return `${i}.${f / 10}`;
  return `${i}.${String(f).padStart(2, '0')}`;
}
// amount = unitPrice x quantity, rounded half-up to the fen, all in integers
function amountFen(priceFen, qtyH) { const x = priceFen * qtyH + 50; return (x - (x % 100)) / 100; }
// integer percentage scaling, half-up
function pct(fen, p) { const x = fen * p + 50; return (x - (x % 100)) / 100; }

// dates: day 0 = 2018-01-01
const iso = (d) => new Date(Date.UTC(2018, 0, 1 + d)).toISOString().slice(0, 10);

// ---------------------------------------------------------------- regions and hospitals
const REGION = { code: '152200', name: '兴安盟' };
const COUNTIES = {
  '152201': '乌兰浩特市', '152202': '阿尔山市', '152221': '科右前旗',
  '152222': '科右中旗', '152223': '扎赉特旗', '152224': '突泉县',
};
const TIERS = ['township', 'county', 'league', 'province', 'outOfProvince'];
// register periods: the demo register starts on 2016-01-01; `to` is inclusive and '' means open
const REGISTER_FROM = '2016-01-01';

const hospitals = [
  // league 盟市级 (located in 乌兰浩特市, the league seat)
  { code: 'H152200-L01', name: '兴安盟人民医院', tier: 'league', region: REGION, county: '乌兰浩特市' },
  { code: 'H152200-L02', name: '兴安盟蒙医医院', tier: 'league', region: REGION, county: '乌兰浩特市' },
  // county 旗县级
  { code: 'H152201-C01', name: '乌兰浩特市人民医院', tier: 'county', region: REGION, county: '乌兰浩特市' },
  { code: 'H152202-C01', name: '阿尔山市医院', tier: 'county', region: REGION, county: '阿尔山市' },
  { code: 'H152221-C01', name: '科右前旗人民医院', tier: 'county', region: REGION, county: '科右前旗' },
  { code: 'H152222-C01', name: '科右中旗人民医院', tier: 'county', region: REGION, county: '科右中旗' },
  { code: 'H152222-C02', name: '科右中旗蒙医院', tier: 'county', region: REGION, county: '科右中旗' },
  { code: 'H152223-C01', name: '扎赉特旗人民医院', tier: 'county', region: REGION, county: '扎赉特旗' },
  { code: 'H152223-C02', name: '扎赉特旗蒙医院', tier: 'county', region: REGION, county: '扎赉特旗' },
  { code: 'H152224-C01', name: '突泉县医院', tier: 'county', region: REGION, county: '突泉县' },
  // township 乡镇/苏木卫生院
  { code: 'H152201-T01', name: '义勒力特镇卫生院', tier: 'township', region: REGION, county: '乌兰浩特市' },
  { code: 'H152202-T01', name: '明水河镇卫生院', tier: 'township', region: REGION, county: '阿尔山市' },
  { code: 'H152221-T01', name: '居力很镇卫生院', tier: 'township', region: REGION, county: '科右前旗' },
  { code: 'H152221-T02', name: '巴日嘎斯台乡卫生院', tier: 'township', region: REGION, county: '科右前旗' },
  { code: 'H152222-T01', name: '布敦化卫生院', tier: 'township', region: REGION, county: '科右中旗' },
  { code: 'H152222-T02', name: '义和道卜卫生院', tier: 'township', region: REGION, county: '科右中旗' },
  { code: 'H152223-T01', name: '胡尔勒镇卫生院', tier: 'township', region: REGION, county: '扎赉特旗' },
  // province and out-of-province, settled through the league's one-stop platform
  { code: 'H150100-P01', name: '内蒙古自治区人民医院', tier: 'province', region: REGION, county: '呼和浩特市' },
  { code: 'H110102-X01', name: '中国医学科学院阜外医院', tier: 'outOfProvince', region: REGION, county: '北京市西城区' },
];
const H = Object.fromEntries(hospitals.map((h) => [h.code, h]));
const LEAGUE = 'H152200-L01', LEAGUE_MONGOL = 'H152200-L02', PROVINCE = 'H150100-P01', BEIJING = 'H110102-X01';
const countyCodeOf = (h) => h.code.slice(1, 7);
const townshipsIn = (cc) => hospitals.filter((h) => h.tier === 'township' && countyCodeOf(h) === cc).map((h) => h.code);
const countyGeneral = (cc) => `H${cc}-C01`;
const countyMongol = (cc) => (H[`H${cc}-C02`] ? `H${cc}-C02` : null);

// ---------------------------------------------------------------- catalogue
// kind: svc (price scales with hospital tier), drug/mat (bid price, small per-hospital variation)
// price in fen (county-tier price for svc). cls A/B/C, spr = selfPayRatio for B.
// frac: quantity may have halves (hours, 袋).
const CAT = {};
function def(code, name, kind, price, cls, spr, extra = {}) { CAT[code] = { code, name, kind, price, cls, spr, ...extra }; }
// services
def('110900001', '床位费（普通病房）', 'svc', 2000, 'A');
def('110900002', '床位费（重症监护病房）', 'svc', 12000, 'A');
def('120100001', 'Ⅱ级护理', 'svc', 1500, 'A');
def('120100002', 'Ⅰ级护理', 'svc', 2600, 'A');
def('120100003', '特级护理', 'svc', 600, 'A', undefined, { unit: 'h', frac: true });
def('110200001', '住院诊查费', 'svc', 800, 'A');
def('110200002', '门诊诊查费', 'svc', 600, 'A');
def('120400001', '静脉输液', 'svc', 600, 'A');
def('120400002', '肌肉注射', 'svc', 300, 'A');
def('120400003', '皮下注射', 'svc', 300, 'A');
def('120300001', '氧气吸入', 'svc', 250, 'A', undefined, { frac: true });
def('120300002', '雾化吸入', 'svc', 1000, 'A');
def('120500001', '心电监测', 'svc', 400, 'A', undefined, { frac: true });
def('120600001', '换药', 'svc', 1500, 'A');
def('120700001', '导尿', 'svc', 1200, 'A');
def('311000001', '血液透析', 'svc', 42000, 'A');
def('311000002', '血液透析滤过', 'svc', 58000, 'B', '0.10');
def('250100001', '血常规', 'svc', 2200, 'A');
def('250100002', '尿常规', 'svc', 1000, 'A');
def('250300001', '肝功能', 'svc', 6000, 'A');
def('250300002', '肾功能', 'svc', 3500, 'A');
def('250300003', '电解质', 'svc', 3000, 'A');
def('250300004', '血糖测定', 'svc', 500, 'A');
def('250200001', '凝血四项', 'svc', 6000, 'B', '0.10');
def('250400001', 'C反应蛋白', 'svc', 3000, 'B', '0.10');
def('250300005', '心肌酶谱', 'svc', 6500, 'A');
def('250300006', '糖化血红蛋白', 'svc', 6000, 'B', '0.10');
def('250400002', '肿瘤标志物', 'svc', 18000, 'B', '0.20');
def('250400003', '输血前四项', 'svc', 12000, 'A');
def('250100003', '血气分析', 'svc', 8000, 'B', '0.10');
def('250100004', '骨髓细胞学检查', 'svc', 20000, 'A');
def('310701001', '心电图', 'svc', 2000, 'A');
def('210102001', '胸部DR', 'svc', 6000, 'A');
def('210300001', 'CT平扫', 'svc', 18000, 'B', '0.10');
def('210300002', 'CT增强扫描', 'svc', 42000, 'B', '0.15');
def('210200001', '磁共振平扫', 'svc', 55000, 'B', '0.20');
def('220600001', '彩色多普勒超声', 'svc', 12000, 'B', '0.10');
def('220600002', '心脏彩超', 'svc', 20000, 'B', '0.10');
def('310903001', '电子胃镜检查', 'svc', 25000, 'B', '0.10');
def('270100001', '病理检查', 'svc', 20000, 'A');
def('310800001', '冠状动脉造影', 'svc', 280000, 'B', '0.10');
def('310800002', '经皮冠状动脉支架植入术', 'svc', 320000, 'A');
def('331003001', '阑尾切除术', 'svc', 90000, 'A');
def('331004001', '腹腔镜胆囊切除术', 'svc', 160000, 'A');
def('331501001', '剖宫产术', 'svc', 110000, 'A');
def('331501002', '单胎顺产接生', 'svc', 40000, 'A');
def('330600001', '白内障超声乳化摘除术+人工晶体植入术', 'svc', 160000, 'A');
def('331501003', '人工股骨头置换术', 'svc', 260000, 'A');
def('331501004', '全髋关节置换术', 'svc', 380000, 'A');
def('331501005', '股骨头髓芯减压术', 'svc', 120000, 'A');
def('330700001', '二尖瓣置换术（体外循环）', 'svc', 700000, 'A');
def('330700002', '主动脉瓣置换术（体外循环）', 'svc', 720000, 'A');
def('330700004', '二尖瓣及主动脉瓣双瓣置换术（体外循环）', 'svc', 980000, 'A');
def('330700003', '房间隔缺损修补术（体外循环）', 'svc', 480000, 'A');
def('330300001', '体外循环', 'svc', 260000, 'A');
def('331001001', '食管癌根治术', 'svc', 520000, 'A');
def('331001002', '胃癌根治术', 'svc', 460000, 'A');
def('331001003', '直肠癌根治术（腹腔镜）', 'svc', 500000, 'A');
def('331001004', '经尿道前列腺电切术', 'svc', 190000, 'A');
def('331001005', '动静脉内瘘成形术', 'svc', 70000, 'A');
def('331001006', '开颅血肿清除术', 'svc', 320000, 'A');
def('331001007', '脑室-腹腔分流术', 'svc', 180000, 'A');
def('310100001', '骨髓穿刺术', 'svc', 9000, 'A');
def('310100002', '腰椎穿刺术+鞘内注射', 'svc', 12000, 'A');
def('330100001', '全身麻醉', 'svc', 22000, 'A', undefined, { frac: true, unit: 'h' });
def('330100002', '椎管内麻醉', 'svc', 50000, 'A');
def('330100003', '局部浸润麻醉', 'svc', 3000, 'A');
def('260000001', '悬浮红细胞（1U）', 'svc', 22000, 'A');
def('310100003', '中心静脉置管术', 'svc', 20000, 'B', '0.10');
def('310100004', 'CT引导下经皮肺穿刺活检术', 'svc', 90000, 'A');
def('410000001', '蒙医针刺疗法', 'svc', 3000, 'B', '0.10');
def('410000002', '蒙医温针疗法', 'svc', 4000, 'B', '0.10');
def('410000003', '蒙医放血疗法', 'svc', 5000, 'B', '0.15');
def('410000004', '蒙医灸疗', 'svc', 3000, 'B', '0.05');
def('410000005', '蒙医药浴疗法', 'svc', 6000, 'C');
def('410000006', '推拿治疗', 'svc', 3500, 'B', '0.10');
def('340200001', '康复训练（运动疗法）', 'svc', 4500, 'B', '0.20');
def('110900003', '陪护床', 'svc', 1000, 'C');
def('110900004', '单人病房床位差价', 'svc', 5000, 'C');
def('110900006', '治疗饮食', 'svc', 1500, 'C');
def('120100005', '生活护理（护工）', 'svc', 8000, 'C');
// outpatient, home sickbed, family doctor
def('110300001', '家庭病床建床费', 'svc', 2000, 'A');
def('110300002', '家庭病床巡诊费', 'svc', 1500, 'A');
def('110400001', '家庭医生签约服务包（基础包）', 'svc', 3000, 'A');
def('110400002', '家庭医生签约服务包（高血压个性化包）', 'svc', 12000, 'B', '0.10');
def('110400003', '家庭医生签约服务包（糖尿病个性化包）', 'svc', 15000, 'B', '0.10');
def('110400004', '家庭医生签约服务包（老年人健康包）', 'svc', 8000, 'A');
def('250300007', '指尖血糖测定', 'svc', 500, 'A');
// materials
def('M0101', '人工心脏瓣膜（机械瓣）', 'mat', 1780000, 'B', '0.30', { capLikely: true });
def('M0102', '体外循环管路套包', 'mat', 620000, 'B', '0.20', { capLikely: true });
def('M0103', '冠状动脉药物洗脱支架', 'mat', 860000, 'B', '0.30', { capLikely: true });
def('M0104', '人工晶体（折叠式）', 'mat', 260000, 'B', '0.30', { capLikely: true });
def('M0105', '人工髋关节假体（生物型）', 'mat', 2650000, 'B', '0.30', { capLikely: true });
def('M0106', '人工股骨头假体', 'mat', 1150000, 'B', '0.30', { capLikely: true });
def('M0107', '一次性使用腔镜切割吻合器', 'mat', 580000, 'C');
def('M0108', '一次性耗材（输液器、注射器等）', 'mat', 2800, 'B', '0.10');
def('M0109', '中心静脉导管（PICC）', 'mat', 145000, 'B', '0.20', { capLikely: true });
def('M0110', '血液透析器', 'mat', 19000, 'B', '0.10', { capLikely: true });
def('M0111', '一次性引流管', 'mat', 4500, 'A');
def('M0112', '医用防粘连液', 'mat', 98000, 'C');
def('M0113', '一次性使用可吸收缝线', 'mat', 16000, 'B', '0.20', { capLikely: true });
def('M0114', '导管导丝套装', 'mat', 210000, 'B', '0.20', { capLikely: true });
def('M0115', '腹腔镜穿刺器套件', 'mat', 120000, 'B', '0.20', { capLikely: true });
def('M0120', '脑室-腹腔分流管', 'mat', 620000, 'B', '0.30', { capLikely: true });
def('M0116', '一次性使用无菌护理垫', 'mat', 350, 'C');
def('M0117', '医用冷敷贴', 'mat', 2800, 'C');
def('M0118', '静脉留置针（进口）', 'mat', 3800, 'C');
def('M0119', '一次性使用负压引流器', 'mat', 8600, 'C');
// drugs (western)
def('D0001', '头孢曲松钠注射液（1g）', 'drug', 780, 'A');
def('D0002', '左氧氟沙星氯化钠注射液（0.5g）', 'drug', 1820, 'B', '0.10');
def('D0003', '注射用头孢呋辛钠（1.5g）', 'drug', 1150, 'A');
def('D0004', '注射用奥美拉唑钠（40mg）', 'drug', 1460, 'B', '0.10');
def('D0005', '奥美拉唑肠溶胶囊（20mg×14粒）', 'drug', 1180, 'A');
def('D0006', '0.9%氯化钠注射液（250ml）', 'drug', 330, 'A');
def('D0007', '5%葡萄糖注射液（250ml）', 'drug', 360, 'A');
def('D0008', '盐酸氨溴索注射液（15mg）', 'drug', 640, 'B', '0.10');
def('D0009', '吸入用布地奈德混悬液（1mg）', 'drug', 1090, 'B', '0.10');
def('D0010', '硝苯地平缓释片（20mg×30片）', 'drug', 1480, 'A');
def('D0011', '盐酸二甲双胍片（0.5g×48片）', 'drug', 880, 'A');
def('D0012', '阿托伐他汀钙片（20mg×7片）', 'drug', 2150, 'B', '0.05');
def('D0013', '硫酸氢氯吡格雷片（75mg×7片）', 'drug', 3950, 'B', '0.10');
def('D0014', '阿司匹林肠溶片（100mg×30片）', 'drug', 1520, 'A');
def('D0015', '精蛋白生物合成人胰岛素注射液（预混30R，3ml）', 'drug', 5980, 'A');
def('D0016', '门冬胰岛素注射液（3ml）', 'drug', 7760, 'B', '0.10');
def('D0017', '丹参注射液（10ml）', 'drug', 450, 'B', '0.20');
def('D0018', '注射用血栓通（冻干，150mg）', 'drug', 3480, 'B', '0.20');
def('D0019', '甘露醇注射液（250ml）', 'drug', 590, 'A');
def('D0020', '低分子量肝素钙注射液（0.4ml）', 'drug', 2760, 'B', '0.10');
def('D0021', '人血白蛋白（10g）', 'drug', 37800, 'B', '0.30');
def('D0022', '注射用顺铂（10mg）', 'drug', 1230, 'A');
def('D0023', '奥沙利铂注射液（50mg）', 'drug', 34600, 'B', '0.15');
def('D0024', '多西他赛注射液（20mg）', 'drug', 41800, 'B', '0.20');
def('D0025', '盐酸昂丹司琼注射液（8mg）', 'drug', 2480, 'B', '0.10');
def('D0026', '重组人促红素注射液（3000IU）', 'drug', 3180, 'B', '0.20');
def('D0027', '蔗糖铁注射液（100mg）', 'drug', 8960, 'B', '0.15');
def('D0028', '华法林钠片（2.5mg×60片）', 'drug', 1760, 'A');
def('D0029', '注射用胸腺法新（1.6mg）', 'drug', 17800, 'C');
def('D0030', '康艾注射液（20ml）', 'drug', 3980, 'C');
def('D0031', '注射用硫酸长春新碱（1mg）', 'drug', 3460, 'A');
def('D0032', '注射用甲氨蝶呤（5mg）', 'drug', 520, 'A');
def('D0033', '注射用培门冬酶（3750IU）', 'drug', 398000, 'B', '0.20');
def('D0034', '地塞米松磷酸钠注射液（5mg）', 'drug', 95, 'A');
def('D0035', '呋塞米注射液（20mg）', 'drug', 78, 'A');
def('D0036', '阿莫西林胶囊（0.25g×24粒）', 'drug', 820, 'A');
def('D0037', '复方甘草片（100片）', 'drug', 480, 'A');
def('D0038', '布洛芬缓释胶囊（0.3g×20粒）', 'drug', 1180, 'A');
def('D0039', '苯磺酸氨氯地平片（5mg×7片）', 'drug', 980, 'A');
def('D0040', '沙美特罗替卡松粉吸入剂（50/250μg，60吸）', 'drug', 21800, 'B', '0.10');
def('D0041', '盐酸左氧氟沙星片（0.5g×4片）', 'drug', 1460, 'A');
def('D0042', '注射用哌拉西林钠他唑巴坦钠（4.5g）', 'drug', 4180, 'B', '0.10');
def('D0043', '阿卡波糖片（50mg×30片）', 'drug', 4460, 'B', '0.10');
def('D0044', '复方丹参滴丸（180丸）', 'drug', 2680, 'A');
def('D0045', '硝酸甘油片（0.5mg×100片）', 'drug', 620, 'A');
def('D0046', '注射用头孢哌酮钠舒巴坦钠（1.5g）', 'drug', 2460, 'B', '0.10');
def('D0047', '碳酸钙D3片（600mg×60片）', 'drug', 2980, 'C');
def('D0048', '肠内营养粉剂（TP，400g）', 'drug', 17800, 'C');
def('D0049', '复方苦参注射液（5ml）', 'drug', 2180, 'C');
def('D0050', '注射用还原型谷胱甘肽（1.2g）', 'drug', 4460, 'B', '0.20');
def('D0051', '布地奈德福莫特罗粉吸入剂（160/4.5μg，60吸）', 'drug', 24800, 'B', '0.10');
def('D0052', '盐酸坦索罗辛缓释胶囊（0.2mg×10粒）', 'drug', 3460, 'B', '0.10');
def('D0053', '非那雄胺片（5mg×10片）', 'drug', 3980, 'B', '0.10');
def('D0054', '缩宫素注射液（10U）', 'drug', 96, 'A');
def('D0055', '盐酸利多卡因注射液（5ml:0.1g）', 'drug', 88, 'A');
def('D0056', '注射用美罗培南（0.5g）', 'drug', 8960, 'B', '0.20');
def('D0057', '注射用环磷酰胺（0.2g）', 'drug', 780, 'A');
def('D0058', '注射用阿糖胞苷（0.1g）', 'drug', 1980, 'A');
def('D0059', '硝苯地平控释片（30mg×7片）', 'drug', 3260, 'B', '0.05');
def('D0060', '氯沙坦钾片（50mg×7片）', 'drug', 2480, 'B', '0.10');
def('D0061', '格列美脲片（2mg×20片）', 'drug', 2460, 'A');
def('D0062', '盐酸吗啡缓释片（30mg×10片）', 'drug', 3460, 'A');
def('D0063', '注射用头孢唑林钠（1g）', 'drug', 560, 'A');
def('D0064', '酒石酸美托洛尔片（25mg×20片）', 'drug', 680, 'A');
def('D0065', '螺内酯片（20mg×100片）', 'drug', 760, 'A');
def('D0066', '注射用胰岛素（400IU）', 'drug', 2260, 'A');
def('D0067', '盐酸伐昔洛韦片（0.3g×6片）', 'drug', 1860, 'B', '0.10');
def('D0068', '甲钴胺片（0.5mg×20片）', 'drug', 1460, 'B', '0.10');
def('D0069', '醋酸泼尼松片（5mg×100片）', 'drug', 560, 'A');
def('D0070', '双氯芬酸钠缓释片（75mg×10片）', 'drug', 980, 'A');
def('D0071', '注射用奥美拉唑钠（进口，40mg）', 'drug', 5860, 'C');
def('D0072', '蒙脱石散（3g×10袋）', 'drug', 1280, 'A');
def('D0073', '口服补液盐散（Ⅲ）', 'drug', 280, 'A');
def('D0074', '注射用生长抑素（3mg）', 'drug', 16800, 'B', '0.20');
def('D0075', '氨甲环酸注射液（0.5g）', 'drug', 260, 'A');
def('D0076', '依达拉奉注射液（30mg）', 'drug', 4680, 'B', '0.10');
def('D0077', '丁苯酞氯化钠注射液（100ml:25mg）', 'drug', 19800, 'B', '0.20');
def('D0078', '注射用奥拉西坦（1g）', 'drug', 6780, 'B', '0.20');
def('D0079', '注射用磷酸肌酸钠（1g）', 'drug', 3560, 'B', '0.20');
def('D0080', '注射用头孢他啶（1g）', 'drug', 1560, 'B', '0.10');
def('D0081', '注射用多索茶碱（0.2g）', 'drug', 1260, 'B', '0.10');
def('D0082', '注射用甲泼尼龙琥珀酸钠（40mg）', 'drug', 2860, 'B', '0.10');
def('D0083', '注射用泮托拉唑钠（40mg）', 'drug', 2260, 'B', '0.10');
def('D0084', '前列地尔注射液（10μg）', 'drug', 6460, 'B', '0.20');
def('D0085', '硫辛酸注射液（0.3g）', 'drug', 4860, 'B', '0.20');
def('D0086', '注射用重组人脑利钠肽（0.5mg）', 'drug', 58000, 'B', '0.30');
def('D0087', '注射用单唾液酸四己糖神经节苷脂钠（20mg）', 'drug', 5780, 'C');
def('D0088', '注射用七叶皂苷钠（5mg）', 'drug', 1860, 'B', '0.20');
def('D0089', '注射用鼠神经生长因子（30μg）', 'drug', 14800, 'C');
def('D0090', '注射用复合辅酶', 'drug', 3860, 'C');
def('D0091', '注射用水溶性维生素', 'drug', 1680, 'B', '0.10');
def('D0092', '氯化钾注射液（10ml:1.5g）', 'drug', 65, 'A');
def('D0093', '小牛血去蛋白提取物注射液（5ml）', 'drug', 3280, 'C');
def('D0094', '脑蛋白水解物注射液（5ml）', 'drug', 1460, 'C');
def('D0095', '注射用骨肽（50mg）', 'drug', 1680, 'C');
def('D0096', '维生素C泡腾片（1g×10片）', 'drug', 1580, 'C');
// Mongolian medicine 蒙药
def('MY001', '扎冲十三味丸', 'drug', 3780, 'A');
def('MY002', '珍宝丸', 'drug', 4160, 'B', '0.10');
def('MY003', '如意珍宝丸', 'drug', 5620, 'B', '0.10');
def('MY004', '那如三味丸', 'drug', 1180, 'A');
def('MY005', '七味广枣丸', 'drug', 2580, 'B', '0.05');
def('MY006', '阿拉坦五味丸', 'drug', 1480, 'A');
def('MY007', '额尔敦-乌日勒', 'drug', 4780, 'B', '0.15');
def('MY008', '寒水石二十一味散', 'drug', 620, 'A', undefined, { frac: true });
def('MY009', '嘎日迪五味丸', 'drug', 2180, 'B', '0.10');
def('MY010', '蒙药院内制剂（协定方）', 'drug', 860, 'C', undefined, { frac: true });

// The catalogue's price cap (最高限价) of an A/B drug or material, in fen, or null: the implants and other
// high-value materials (capLikely) at 98% of their bid price, so most hospitals (which charge the bid
// price -3%..+5%) have an over-limit part; one drug or material in eight at its bid price (binding where a
// hospital charges more); one in eight at 10% above (never binding). Services have no cap (their price scales
// with the hospital's tier). No draw from the PRNG.
function capOf(c) {
  if (c.cls === 'C' || c.kind === 'svc') return null;
  if (c.capLikely) return pct(c.price, 98);
  const h = hash(`cap:${c.code}`) % 8;
  return h === 0 ? c.price : h === 1 ? pct(c.price, 110) : null;
}

const SVC_PCT = { township: 60, county: 100, league: 130, province: 150, outOfProvince: 190 };

// price of a catalogue item at a hospital, in fen
function priceAt(code, hosp) {
  const c = CAT[code];
  if (c.kind === 'svc') {
    let p = pct(c.price, SVC_PCT[hosp.tier]);
    // price lists use whole jiao below 10 yuan, half yuan above
    if (p >= 1000) p = Math.round(p / 50) * 50; else p = Math.round(p / 10) * 10;
    return p;
  }
  // drugs / materials: bid price with a small per-hospital variation (-3%..+5%)
  const v = (hash(hosp.code + code) % 9) - 3;
  return pct(c.price, 100 + v);
}

// ---------------------------------------------------------------- names and people
const HAN_SURNAMES = '王李张刘赵孙杨陈高于徐马郭韩董吴周胡宋姜曹崔谭翟邢霍郑吕常付田石邓范贾苏魏冯任程'.split('');
const HAN_GIVEN = {
  old: { M: ['福林', '德才', '长山', '国富', '凤山', '宝林', '玉祥', '树林', '永发', '占军', '广才', '万福', '殿臣', '春生', '景山', '海林', '文清', '志田', '振江', '德胜', '庆林', '双喜'],
         F: ['秀英', '玉兰', '淑珍', '凤芝', '桂兰', '素梅', '玉芳', '金凤', '秀芝', '淑华', '翠英', '桂芬', '玉霞', '凤琴', '桂珍', '秀兰', '淑芬', '玉珍'] },
  mid: { M: ['建国', '立军', '海峰', '志刚', '永利', '国华', '春雷', '宏伟', '晓东', '建军', '宝山', '文斌', '长青', '庆海', '铁军', '立新', '海军', '东升'],
         F: ['丽娟', '艳华', '春梅', '秀丽', '晓燕', '红霞', '丽萍', '海燕', '淑敏', '玉娟', '彩霞', '艳玲', '凤英', '丽杰', '艳杰'] },
  young: { M: ['浩然', '子轩', '宇航', '俊杰', '博文', '天佑', '一鸣', '家豪', '鑫磊', '明轩', '晨阳', '思远', '佳乐', '宇轩'],
           F: ['欣怡', '梓涵', '雨欣', '佳琪', '诗涵', '可馨', '梦瑶', '雅琪', '思彤', '子萱', '佳怡', '语桐'] },
};
const HAN_SINGLE = { M: ['军', '伟', '刚', '强', '磊', '鹏', '超', '勇'], F: ['丽', '娟', '静', '敏', '艳', '霞', '颖', '欣'] };
const MONGOL_SURNAMES = ['包', '白', '宝', '吴', '韩', '鲍', '金', '何', '陈', '敖'];
const MONGOL_GIVEN = {
  old: { M: ['金山', '巴特尔', '额尔敦', '朝鲁', '苏和', '巴图', '布和', '乌力吉', '特木尔', '那顺', '孟和', '格日勒图', '阿拉坦仓', '宝音', '吉日嘎拉', '满都拉', '德力格尔', '那木吉拉', '白音', '那仁', '敖其尔', '图门'],
         F: ['乌云其木格', '斯琴高娃', '其其格', '萨仁', '娜仁花', '图雅', '高娃', '乌兰', '塔娜', '托娅', '其木格', '达古拉', '萨仁高娃', '阿拉腾花', '金花', '银花'] },
  mid: { M: ['额尔德木图', '哈斯巴根', '白音仓', '呼和', '巴雅尔', '宝力道', '青格勒', '乌日图', '阿木古楞', '斯琴巴特尔', '朝格图', '孟克'],
         F: ['乌日娜', '苏日娜', '格日乐', '萨如拉', '娜日苏', '斯琴', '其其格玛', '乌云', '乌仁图雅', '琪琪格'] },
  young: { M: ['额尔和木', '苏日力格', '恩和', '特日格乐', '阿拉达尔', '阿古达木', '巴音', '毕力格'],
           F: ['阿如汗', '乌日汉', '诺敏', '其乐木格', '苏布达', '塔拉', '萨日娜', '阿茹娜'] },
};
// full names that occur in the source documents (real people): never generated
const AVOID = new Set(['张桂琴', '翟振海', '李春兰', '安黎昕', '母志华', '王丽霞', '邢金花', '霍明华']);
const MONGOL_SHARE = { '152201': 0.35, '152202': 0.15, '152221': 0.45, '152222': 0.8, '152223': 0.3, '152224': 0.15 };

function generation(year) { return year <= 1962 ? 'old' : year <= 1987 ? 'mid' : 'young'; }
const usedNames = new Set();
function makeName(countyCode, sex, year) {
  const gen = generation(year);
  for (let tries = 0; tries < 500; tries++) {
    let name;
    if (chance(MONGOL_SHARE[countyCode])) {
      const g = pick(MONGOL_GIVEN[gen][sex]);
      name = chance(0.6) ? pick(MONGOL_SURNAMES) + g : g;
      if (name.length < 2) continue;
    } else {
      const g = pick(HAN_GIVEN[gen][sex]);
      name = pick(HAN_SURNAMES) + (chance(0.12) && gen !== 'old' ? pick(HAN_SINGLE[sex]) : g);
    }
    if (!usedNames.has(name) && !AVOID.has(name)) { usedNames.add(name); return name; }
  }
  throw new Error('name pool exhausted');
}

const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
function idCheckChar(first17) {
  let s = 0; for (let i = 0; i < 17; i++) s += Number(first17[i]) * W[i];
  return '10X98765432'[s % 11];
}
const usedIds = new Set();
function makeIdNumber(countyCode, birth, sex) {
  for (;;) {
    let seq = randInt(1, 999);
    if ((seq % 2 === 1) !== (sex === 'M')) seq = seq === 999 ? 998 : seq + 1; // 17th digit: odd male, even female
    const body = countyCode + birth.replaceAll('-', '') + String(seq).padStart(3, '0');
    const id = body + idCheckChar(body);
    if (!usedIds.has(id)) { usedIds.add(id); return id; }
  }
}
function randomBirth(yLo, yHi) {
  const y = randInt(yLo, yHi);
  const m = randInt(1, 12);
  const dim = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const d = randInt(1, dim);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
const ageIn2018 = (birth) => 2018 - Number(birth.slice(0, 4));

const people = [];
function addPerson({ county, sex, yLo, yHi, pop }) {
  const birth = randomBirth(yLo, yHi);
  const year = Number(birth.slice(0, 4));
  const p = {
    id: `P-${String(people.length + 1).padStart(6, '0')}`,
    name: makeName(county, sex, year),
    idNumber: makeIdNumber(county, birth, sex),
    populations: [pop], // the population of the main generation (one each for the first 150 people)
    periods: [{ population: pop, from: REGISTER_FROM, to: '' }], // the register's membership periods
    county: COUNTIES[county],
    // internal, not written
    _cc: county, _sex: sex, _birth: birth, _age: ageIn2018(birth),
  };
  people.push(p);
  return p;
}

// serious-illness profiles (registered poor): created first so their ages fit the illness
const SERIOUS = [
  { plan: 'esophagealCancer', county: '152222', sex: 'M', y: [1946, 1962] },
  { plan: 'gastricCancer', county: '152223', sex: 'F', y: [1948, 1966] },
  { plan: 'rectalCancer', county: '152224', sex: 'M', y: [1944, 1966] },
  { plan: 'esrd', county: '152221', sex: 'M', y: [1953, 1972] },
  { plan: 'esrd', county: '152222', sex: 'F', y: [1958, 1976] },
  { plan: 'mitralValve', county: '152221', sex: 'F', y: [1958, 1976] },
  { plan: 'aorticValve', county: '152201', sex: 'M', y: [1953, 1970] },
  { plan: 'childASD', county: '152223', sex: 'F', y: [2008, 2014] },
  { plan: 'childALL', county: '152222', sex: 'M', y: [2006, 2013] },
  { plan: 'hipNecrosis', county: '152224', sex: 'M', y: [1955, 1975] },
  { plan: 'cerebralHemorrhage', county: '152221', sex: 'M', y: [1943, 1961] },
  { plan: 'lungCancer', county: '152202', sex: 'M', y: [1945, 1962] },
];
for (const s of SERIOUS) {
  const p = addPerson({ county: s.county, sex: s.sex, yLo: s.y[0], yHi: s.y[1], pop: 'poverty' });
  p._serious = s.plan;
}

const COUNTY_PEOPLE = { '152201': 18, '152202': 8, '152221': 34, '152222': 36, '152223': 30, '152224': 24 };
const N_PEOPLE = 150, N_POOR = 98; // 65%
{
  const slots = [];
  for (const [cc, n] of Object.entries(COUNTY_PEOPLE)) for (let i = 0; i < n; i++) slots.push(cc);
  // remove the slots used by serious patients
  for (const s of SERIOUS) slots.splice(slots.indexOf(s.county), 1);
  const order = shuffle(slots);
  let poorLeft = N_POOR - SERIOUS.length;
  for (let i = 0; i < order.length; i++) {
    const left = order.length - i;
    const poor = rnd() < poorLeft / left;
    if (poor) poorLeft--;
    const r = rnd();
    // poor: older on average; residents: broader
    const band = poor
      ? (r < 0.36 ? [1935, 1952] : r < 0.72 ? [1953, 1966] : r < 0.9 ? [1967, 1992] : [1993, 2015])
      : (r < 0.2 ? [1935, 1952] : r < 0.5 ? [1953, 1966] : r < 0.85 ? [1967, 1995] : [1996, 2015]);
    addPerson({ county: order[i], sex: chance(0.5) ? 'M' : 'F', yLo: band[0], yHi: band[1], pop: poor ? 'poverty' : 'resident' });
  }
}
if (people.length !== N_PEOPLE) throw new Error(`people: ${people.length}`);

// ---------------------------------------------------------------- diagnoses (ordinary admissions)
// tiers: weights; age: [min,max]; sex: 'M'|'F'|undefined; band: fraction of the tier's cost range
const RANGE = { township: [80000, 300000], county: [200000, 1200000], league: [600000, 4000000], province: [2000000, 10000000], outOfProvince: [5000000, 25000000] };
const LOS = { township: [3, 8], county: [5, 12], league: [7, 15], province: [8, 18], outOfProvince: [9, 20] };
const COMMON_LABS = ['250100001', '250100002', '250300001', '250300002', '250300003', '250300004'];

const DX = {
  pneumonia: { name: '社区获得性肺炎', tiers: { township: 3, county: 4, league: 2 }, age: [18, 100], band: [0.05, 0.5],
    labs: ['250400001', '250100003'], exams: ['210102001', '310701001', '210300001'], iv: true, oxygen: true,
    drugs: ['D0001', 'D0002', 'D0008', 'D0006', 'D0007', 'D0042', 'D0046', 'D0009', 'D0041', 'D0080', 'D0083'] },
  childPneumonia: { name: '支气管肺炎', tiers: { township: 2, county: 4 }, age: [1, 14], band: [0.0, 0.25],
    labs: ['250400001'], exams: ['210102001'], iv: true, nebul: true,
    drugs: ['D0063', 'D0003', 'D0008', 'D0009', 'D0006', 'D0007', 'D0034', 'D0080', 'D0082'] },
  copd: { name: '慢性阻塞性肺疾病急性加重', tiers: { township: 2, county: 4, league: 2 }, age: [50, 100], band: [0.1, 0.6], chronic: 'copd',
    labs: ['250100003', '250400001', '250200001'], exams: ['210102001', '310701001', '210300001', '220600002'], iv: true, oxygen: true, nebul: true,
    drugs: ['D0002', 'D0042', 'D0008', 'D0009', 'D0040', 'D0051', 'D0006', 'D0034', 'D0046', 'D0081', 'D0082', 'MY001'] },
  hypertension: { name: '高血压病3级（极高危）', tiers: { township: 2, county: 4 }, age: [45, 100], band: [0.05, 0.4], chronic: 'htn',
    labs: ['250300005', '250300006'], exams: ['310701001', '220600002', '220600001', '210300001'], iv: true,
    drugs: ['D0010', 'D0039', 'D0059', 'D0060', 'D0012', 'D0014', 'D0017', 'D0064', 'MY005'] },
  diabetes: { name: '2型糖尿病伴多个并发症', tiers: { township: 1, county: 4, league: 2 }, age: [40, 100], band: [0.1, 0.5], chronic: 'dm',
    labs: ['250300006', '250300007'], exams: ['310701001', '220600001'], iv: true,
    drugs: ['D0015', 'D0016', 'D0066', 'D0011', 'D0043', 'D0061', 'D0068', 'D0012', 'D0006', 'D0084', 'D0085'] },
  angina: { name: '冠状动脉粥样硬化性心脏病 不稳定型心绞痛', tiers: { county: 3, league: 3, province: 1.5 }, age: [48, 90], band: [0.15, 0.7], chronic: 'chd',
    labs: ['250300005', '250200001'], exams: ['310701001', '220600002', '210102001'], iv: true, oxygen: true, monitor: true,
    pci: { league: 0.5, province: 1 },
    drugs: ['D0013', 'D0014', 'D0012', 'D0020', 'D0045', 'D0064', 'D0018', 'D0044', 'D0079', 'D0084', 'MY005'] },
  stroke: { name: '脑梗死', tiers: { county: 4, league: 3, province: 0.4 }, age: [52, 95], band: [0.15, 0.6], chronic: 'stroke',
    labs: ['250200001', '250300005'], exams: ['210300001', '210200001', '310701001', '220600001'], iv: true, rehab: true,
    drugs: ['D0018', 'D0017', 'D0013', 'D0014', 'D0012', 'D0019', 'D0006', 'D0068', 'D0076', 'D0077', 'D0078', 'MY007', 'MY002'], cSpecific: ['D0087', 'D0093', 'D0094'] },
  appendicitis: { name: '急性化脓性阑尾炎', w: 0.45, tiers: { county: 4, league: 2 }, age: [10, 75], band: [0.35, 0.75],
    labs: ['250200001', '250400001', '250400003'], exams: ['220600001', '310701001'], iv: true,
    surgery: { proc: '331003001', anes: 'spinal', mats: ['M0111', 'M0113'] },
    drugs: ['D0063', 'D0001', 'D0006', 'D0007', 'D0004', 'D0055'] },
  gallstone: { name: '胆囊结石伴慢性胆囊炎', w: 0.7, tiers: { county: 3, league: 3 }, age: [30, 80], band: [0.4, 0.8],
    labs: ['250200001', '250400001', '250400003'], exams: ['220600001', '310701001', '210300001'], iv: true,
    surgery: { proc: '331004001', anes: 'general', mats: ['M0115', 'M0111', 'M0113'] },
    drugs: ['D0003', 'D0046', 'D0006', 'D0007', 'D0004', 'D0050'] },
  lumbar: { name: '腰椎间盘突出症', tiers: { township: 2, county: 4, league: 1 }, age: [30, 80], band: [0.05, 0.45], mongol: 0.8,
    labs: [], exams: ['210200001', '210300001'], iv: false,
    drugs: ['D0070', 'D0068', 'D0038', 'D0088', 'MY001', 'MY009', 'MY004', 'MY010', 'MY008'], cSpecific: ['D0089', 'D0095'] },
  kneeOA: { name: '膝关节骨性关节炎', tiers: { township: 1, county: 3 }, age: [50, 95], band: [0.05, 0.4], mongol: 0.9,
    labs: ['250400001'], exams: ['210102001', '220600001'],
    drugs: ['D0070', 'D0038', 'MY004', 'MY001', 'MY009', 'MY010', 'MY008', 'D0047'], cSpecific: ['D0095'] },
  gastritis: { name: '慢性萎缩性胃炎', tiers: { township: 2, county: 2 }, age: [30, 90], band: [0.05, 0.4], mongol: 0.7,
    labs: [], exams: ['310903001', '220600001', '270100001'], iv: true,
    drugs: ['D0005', 'D0004', 'MY006', 'MY008', 'MY010', 'MY002'] },
  gastroenteritis: { name: '急性胃肠炎', w: 0.7, tiers: { township: 3, county: 2 }, age: [3, 100], band: [0.05, 0.35],
    labs: ['250300003'], exams: ['220600001'], iv: true,
    drugs: ['D0072', 'D0073', 'D0004', 'D0041', 'D0006', 'D0007', 'D0003', 'D0083', 'D0080'] },
  hipFracture: { name: '股骨颈骨折 人工股骨头置换术', tiers: { league: 3, province: 0.3 }, age: [62, 100], band: [0.45, 0.85],
    labs: ['250200001', '250400003', '250300005'], exams: ['210102001', '210300001', '310701001', '220600002'], iv: true,
    surgery: { proc: '331501003', anes: 'spinal', mats: ['M0106', 'M0111', 'M0113'] }, blood: [1, 3], rehab: true,
    drugs: ['D0063', 'D0020', 'D0006', 'D0075', 'D0047', 'D0050'], cSpecific: ['D0095'] },
  cesarean: { name: '孕足月 剖宫产', tiers: { county: 3, league: 2 }, age: [20, 40], sex: 'F', band: [0.3, 0.6],
    labs: ['250200001', '250400003'], exams: ['220600001', '310701001'], iv: true,
    surgery: { proc: '331501001', anes: 'spinal', mats: ['M0113'] },
    drugs: ['D0063', 'D0054', 'D0006', 'D0007', 'D0075'] },
  delivery: { name: '孕足月 单胎顺产', tiers: { township: 1, county: 3 }, age: [20, 40], sex: 'F', band: [0.0, 0.25],
    labs: ['250200001', '250400003'], exams: ['220600001'], iv: false,
    procs: ['331501002'], drugs: ['D0054', 'D0006', 'D0055', 'D0063', 'D0007', 'D0075', 'D0047'] },
  cataract: { name: '老年性白内障', tiers: { county: 2, league: 3 }, age: [58, 95], band: [0.25, 0.5],
    labs: ['250200001', '250400003'], exams: ['310701001', '220600001'], iv: false,
    surgery: { proc: '330600001', anes: 'local', mats: ['M0104'] },
    drugs: ['D0041', 'D0055'] },
  bph: { name: '良性前列腺增生', tiers: { county: 2, league: 2 }, age: [55, 95], sex: 'M', band: [0.35, 0.75],
    labs: ['250200001', '250400003', '250400002'], exams: ['220600001', '310701001'], iv: true,
    surgery: { proc: '331001004', anes: 'spinal', mats: ['M0111'] }, catheter: true,
    drugs: ['D0052', 'D0053', 'D0003', 'D0006', 'D0075'] },
  ugib: { name: '上消化道出血', tiers: { county: 2, league: 3 }, age: [42, 95], band: [0.2, 0.6],
    labs: ['250200001', '250400003'], exams: ['310903001', '310701001', '220600001'], iv: true, monitor: true, blood: [1, 4],
    drugs: ['D0004', 'D0071', 'D0074', 'D0075', 'D0006', 'D0007', 'D0050', 'D0083'] },
  heartFailure: { name: '慢性心力衰竭急性加重', tiers: { county: 3, league: 3, province: 0.3 }, age: [58, 100], band: [0.15, 0.55], chronic: 'chd',
    labs: ['250300005', '250100003'], exams: ['310701001', '220600002', '210102001'], iv: true, oxygen: true, monitor: true,
    drugs: ['D0035', 'D0065', 'D0064', 'D0014', 'D0012', 'D0020', 'D0021', 'D0079', 'D0086', 'MY005'] },
  zoster: { name: '带状疱疹', tiers: { township: 2, county: 2 }, age: [40, 95], band: [0.0, 0.3],
    labs: ['250400001'], exams: ['310701001'], iv: true,
    drugs: ['D0067', 'D0068', 'D0038', 'D0006', 'D0082', 'MY010'], cSpecific: ['D0089'] },
};

// ---------------------------------------------------------------- bill builder
const bills = [];
function itemFor(code, hosp, qtyH) {
  const c = CAT[code];
  const price = priceAt(code, hosp);
  return { c, price, qtyH };
}
function finishItems(raw, rng = { capRate: 0.115 }) {
  // merge duplicates, then decide priceCap, then emit in §8 shape
  const byCode = new Map();
  for (const r of raw) {
    if (r.qtyH <= 0) continue;
    const prev = byCode.get(r.c.code);
    if (prev) prev.qtyH += r.qtyH; else byCode.set(r.c.code, { ...r });
  }
  const out = [];
  for (const r of byCode.values()) {
    const it = { code: r.c.code, name: r.c.name, class: r.c.cls };
    if (r.c.cls === 'B') it.selfPayRatio = r.c.spr;
    it.unitPrice = fmtMoney(r.price);
    it.quantity = fmtQty(r.qtyH);
    it.amount = fmtMoney(amountFen(r.price, r.qtyH));
    if (r.c.cls !== 'C') {
      // The cap is the catalogue's (限价 belongs to the code, see capOf), the same on every bill. These draws
      // once decided a cap per bill item; they are still made, and their results dropped, so that every later
      // draw of the year (people, stays, items) stays exactly what it was.
      if (chance(r.c.capLikely ? 0.4 : rng.capRate)) randInt(80, 97);
      else if (chance(0.03)) randInt(0, 15);
      const cap = capOf(r.c);
      if (cap !== null) it.priceCap = fmtMoney(cap);
    }
    out.push(it);
  }
  return out;
}
const totalFen = (raw) => raw.reduce((s, r) => s + amountFen(r.price, r.qtyH), 0);

// typical quantity caps for drug lines (per stay)
function maxDrugQty(c, days) {
  if (c.cls === 'C') return Math.max(2, Math.ceil(days * 1.5));
  if (c.price >= 100000) return 4;          // very expensive (培门冬酶)
  if (c.price >= 30000) return Math.max(2, Math.ceil(days * 0.8)); // 白蛋白, 奥沙利铂...
  if (/注射|注射液|注射用/.test(c.name)) return Math.max(4, days * 4);
  return Math.max(2, Math.ceil(days / 3) + 2); // boxes of tablets, 蒙药
}

function fillDrugs(raw, hosp, drugList, target, days, maxItems) {
  const drugs = shuffle(drugList);
  let i = 0;
  while (i < drugs.length && raw.length < maxItems) {
    const c = CAT[drugs[i++]];
    const price = priceAt(c.code, hosp);
    const gap = target - totalFen(raw);
    const cap = maxDrugQty(c, days);
    let q;
    if (gap <= 0) q = 1;
    else {
      const share = drugs.length - i + 1;
      q = Math.round(gap / share / price) || 1;
      q = Math.min(Math.max(q, 1), cap);
    }
    let qtyH = q * 100;
    if (c.frac && chance(0.4)) qtyH += 50;
    raw.push({ c, price, qtyH, cap });
    if (gap <= 0 && raw.length >= 8) break;
  }
  // second pass: still short of the target -> raise drug quantities up to their caps
  for (const r of shuffle(raw.filter((x) => x.cap))) {
    const gap = target - totalFen(raw);
    if (gap <= 0) break;
    const room = r.cap * 100 - r.qtyH;
    if (room <= 0) continue;
    const add = Math.min(room, Math.ceil(gap / r.price) * 100);
    r.qtyH += add;
  }
}

// inpatient bill: dx object with item spec; stage can override band/target
function buildInpatient(person, hosp, dx, days, target) {
  const tier = hosp.tier;
  const raw = [];
  const add = (code, qtyH) => raw.push(itemFor(code, hosp, qtyH));
  const icu = dx.icuDays ? Math.min(dx.icuDays, days - 1) : 0;
  add('110900001', (days - icu) * 100);
  if (icu > 0) { add('110900002', icu * 100); add('120100003', (icu * 24 - randInt(0, 6)) * 100 + (chance(0.5) ? 50 : 0)); }
  add(dx.serious || dx.surgery ? '120100002' : '120100001', days * 100);
  add('110200001', days * 100);
  // labs
  const nLabs = tier === 'township' ? randInt(2, 4) : randInt(3, 6);
  for (const l of sample(COMMON_LABS, nLabs)) add(l, (days > 8 && chance(0.4) ? 2 : 1) * 100);
  for (const l of sample(dx.labs || [], tier === 'township' ? 1 : 3)) add(l, 100);
  // exams (township hospitals: no CT/MRI/endoscopy)
  const exams = (dx.exams || []).filter((e) => tier !== 'township' || ['310701001', '210102001', '220600001'].includes(e));
  for (const e of sample(exams, randInt(1, Math.max(1, exams.length)))) add(e, 100);
  // nursing procedures
  if (dx.iv !== false) add('120400001', Math.max(1, days - randInt(0, 2)) * 100);
  if (dx.oxygen) add('120300001', randInt(12, days * 16) * 100 + (chance(0.5) ? 50 : 0));
  if (dx.nebul) add('120300002', randInt(days, days * 2) * 100);
  if (dx.monitor && tier !== 'township') add('120500001', randInt(24, Math.max(25, days * 20)) * 100 + (chance(0.5) ? 50 : 0));
  if (dx.catheter) add('120700001', 100);
  if (dx.dialysis) { add('311000001', dx.dialysis * 100); add('M0110', dx.dialysis * 100); if (chance(0.4)) add('311000002', randInt(1, 2) * 100); }
  if (dx.rehab && tier !== 'township' && chance(0.6)) add('340200001', randInt(3, days) * 100);
  // procedures
  for (const p of dx.procs || []) add(p, 100);
  if (dx.surgery) {
    const s = dx.surgery;
    add(s.proc, 100);
    if (s.extra) for (const e of s.extra) add(e, 100);
    if (s.anes === 'general') add('330100001', randInt(2, s.hours || 4) * 100 + (chance(0.5) ? 50 : 0));
    else if (s.anes === 'spinal') add('330100002', 100);
    else add('330100003', 100);
    for (const m of s.mats || []) add(m, (m === 'M0113' ? randInt(1, 4) : m === 'M0101' && dx.doubleValve ? 2 : 1) * 100);
    add('M0108', randInt(2, 6) * 100);
    if (chance(0.3)) add('M0112', 100);
    if (s.stapler || (chance(0.15) && tier !== 'township')) add('M0107', 100);
  } else if (chance(0.5)) add('M0108', randInt(1, 3) * 100);
  if (dx.blood) add('260000001', randInt(dx.blood[0], dx.blood[1]) * 100);
  for (const c of dx.extraProc || []) add(c, 100);
  for (const c of dx.mats || []) add(c, 100);
  // Mongolian-medicine therapies at 蒙医 hospitals or for 蒙医-leaning diagnoses
  const mongolHosp = /蒙医/.test(hosp.name);
  if (person._age >= 14 && (mongolHosp || (dx.mongol && chance(dx.mongol * 0.6)))) {
    for (const t of sample(['410000001', '410000002', '410000003', '410000004', '410000005', '410000006'], randInt(1, 3))) add(t, randInt(2, Math.max(2, days)) * 100);
  }
  // out-of-catalogue (丙类/自费) lines: most stays have a few, some none
  if (chance(0.88)) {
    const pool = ['110900003', '110900006', 'M0116', 'M0117', 'M0118', 'D0090', 'D0047'];
    if (tier !== 'outOfProvince') pool.push('MY010');
    if (tier !== 'township') pool.push('110900004', '120100005', 'D0029');
    if (dx.cSpecific) pool.push(...dx.cSpecific);
    if (dx.surgery) pool.push('M0112', 'M0119');
    for (const code of sample(pool, randInt(1, tier === 'township' ? 3 : 6))) {
      const c = CAT[code];
      let q;
      if (c.kind === 'svc') q = randInt(1, days);
      else if (c.kind === 'mat') q = c.price < 1000 ? randInt(2, days * 2) : randInt(1, 3);
      else q = /注射/.test(c.name) ? randInt(2, days * 2) : randInt(1, 3);
      add(code, q * 100 + (c.frac && chance(0.4) ? 50 : 0));
    }
  }
  // drugs to the target
  let drugList = dx.drugs.slice();
  if (mongolHosp) drugList = drugList.concat(['MY001', 'MY002', 'MY004', 'MY010']);
  if (chance(0.35)) drugList.push(pick(['D0030', 'D0049', 'D0048', 'D0096']));
  // the usual supportive injectables of a Chinese ward (not at township level)
  if (tier !== 'township' && dx.iv !== false) drugList.push(...sample(['D0083', 'D0050', 'D0091', 'D0092', 'D0006', 'D0007'], randInt(1, 3)));
  drugList = [...new Set(drugList)];
  if (tier === 'outOfProvince') drugList = drugList.filter((d) => !d.startsWith('MY'));
  // keep room for at least 8 drug lines: drop the cheapest lab lines if the stay is crowded
  const distinctCodes = () => new Set(raw.map((r) => r.c.code)).size;
  while (distinctCodes() > 22) {
    let k = -1;
    raw.forEach((r, i) => { if (/^25/.test(r.c.code) && (k < 0 || amountFen(r.price, r.qtyH) < amountFen(raw[k].price, raw[k].qtyH))) k = i; });
    if (k < 0) break;
    raw.splice(k, 1);
  }
  const distinct = distinctCodes();
  fillDrugs(raw, hosp, drugList, target, days, 30 - (raw.length - distinct));
  return raw;
}

// ---------------------------------------------------------------- serious-illness plans
// each stage: { hosp, dx (spec), los:[lo,hi], band:[lo,hi] within tier range, gap:[lo,hi] days before next }
const ONC_DRUGS = ['D0025', 'D0034', 'D0006', 'D0007', 'D0004', 'D0050', 'D0029', 'D0030', 'D0049'];
const dxChemo = (name, agents) => ({ name, serious: true, iv: true,
  labs: ['250400002', '250300005'], exams: ['210300002', '220600001', '310701001'],
  drugs: agents.concat(ONC_DRUGS) });
const PLANS = {
  esophagealCancer: (cc) => [
    { hosp: PROVINCE, dx: { name: '食管恶性肿瘤 食管癌根治术', serious: true, iv: true, icuDays: 2, labs: ['250400002', '250200001', '250400003', '250100003'], exams: ['210300002', '310903001', '270100001', '310701001'], surgery: { proc: '331001001', anes: 'general', hours: 6, mats: ['M0107', 'M0111', 'M0113', 'M0109'], stapler: true }, blood: [2, 4], drugs: ['D0042', 'D0056', 'D0021', 'D0004', 'D0048', 'D0006', 'D0050'] }, los: [14, 18], band: [0.55, 0.85], gap: [20, 30] },
    ...[1, 2, 3, 4].map(() => ({ hosp: LEAGUE, dx: dxChemo('食管恶性肿瘤 术后化疗', ['D0022', 'D0024']), los: [6, 9], band: [0.05, 0.2], gap: [18, 26] })),
  ],
  gastricCancer: () => [
    { hosp: LEAGUE, dx: { name: '胃恶性肿瘤 胃癌根治术', serious: true, iv: true, icuDays: 1, labs: ['250400002', '250200001', '250400003'], exams: ['210300002', '310903001', '270100001'], surgery: { proc: '331001002', anes: 'general', hours: 5, mats: ['M0107', 'M0111', 'M0113'], stapler: true }, blood: [1, 3], drugs: ['D0042', 'D0021', 'D0004', 'D0048', 'D0006', 'D0050', 'D0074'] }, los: [13, 16], band: [0.7, 0.92], gap: [21, 30] },
    ...[1, 2, 3, 4, 5].map(() => ({ hosp: LEAGUE, dx: dxChemo('胃恶性肿瘤 术后化疗（XELOX）', ['D0023']), los: [5, 8], band: [0.03, 0.15], gap: [16, 24] })),
  ],
  rectalCancer: () => [
    { hosp: PROVINCE, dx: { name: '直肠恶性肿瘤 腹腔镜直肠癌根治术', serious: true, iv: true, icuDays: 1, labs: ['250400002', '250200001', '250400003'], exams: ['210300002', '210200001', '270100001'], surgery: { proc: '331001003', anes: 'general', hours: 5, mats: ['M0107', 'M0115', 'M0111', 'M0113'], stapler: true }, blood: [1, 2], drugs: ['D0042', 'D0021', 'D0004', 'D0048', 'D0006', 'D0050'] }, los: [12, 16], band: [0.45, 0.75], gap: [21, 30] },
    ...[1, 2, 3].map(() => ({ hosp: LEAGUE, dx: dxChemo('直肠恶性肿瘤 术后化疗（FOLFOX）', ['D0023']), los: [6, 8], band: [0.05, 0.2], gap: [14, 21] })),
  ],
  esrd: (cc) => [
    { hosp: LEAGUE, dx: { name: '慢性肾脏病5期（终末期肾病） 动静脉内瘘成形术', serious: true, iv: true, dialysis: 5, labs: ['250200001', '250400003', '250100003'], exams: ['220600001', '220600002', '310701001'], surgery: { proc: '331001005', anes: 'local', mats: ['M0113'] }, extraProc: ['310100003'], drugs: ['D0026', 'D0027', 'D0035', 'D0020', 'D0021', 'D0039', 'D0006'] }, los: [12, 15], band: [0.15, 0.35], gap: [35, 60] },
    { hosp: countyGeneral(cc), dx: { name: '终末期肾病 规律血液透析 肾性贫血', serious: true, iv: true, dialysis: 4, labs: ['250200001'], exams: ['310701001', '220600002'], drugs: ['D0026', 'D0027', 'D0035', 'D0039', 'D0006'] }, los: [8, 10], band: [0.55, 0.9], gap: [40, 70] },
    { hosp: countyGeneral(cc), dx: { name: '终末期肾病 血液透析 高钾血症', serious: true, iv: true, dialysis: 4, monitor: true, labs: ['250100003'], exams: ['310701001'], drugs: ['D0026', 'D0027', 'D0035', 'D0066', 'D0006', 'D0007'] }, los: [7, 10], band: [0.5, 0.9], gap: [40, 70] },
    { hosp: LEAGUE, dx: { name: '终末期肾病 肾性心力衰竭', serious: true, iv: true, dialysis: 5, oxygen: true, monitor: true, labs: ['250300005', '250100003'], exams: ['220600002', '210102001', '310701001'], drugs: ['D0026', 'D0027', 'D0035', 'D0021', 'D0020', 'D0006'] }, los: [10, 14], band: [0.1, 0.3], gap: [30, 50] },
  ],
  mitralValve: () => [
    { hosp: countyGeneral('152221'), dx: { name: '风湿性心脏病 二尖瓣狭窄 心房颤动', serious: true, iv: true, oxygen: true, monitor: true, labs: ['250300005', '250200001'], exams: ['220600002', '310701001', '210102001'], drugs: ['D0035', 'D0065', 'D0028', 'D0064', 'D0020', 'D0006'] }, los: [7, 10], band: [0.35, 0.7], gap: [20, 40] },
    { hosp: BEIJING, dx: { name: '风湿性心脏病 二尖瓣及主动脉瓣双瓣置换术', serious: true, iv: true, icuDays: 4, doubleValve: true, labs: ['250300005', '250200001', '250400003', '250100003'], exams: ['220600002', '210300001', '310701001', '310800001'], surgery: { proc: '330700004', anes: 'general', hours: 7, extra: ['330300001'], mats: ['M0101', 'M0102', 'M0111', 'M0113', 'M0109'] }, blood: [4, 8], drugs: ['D0021', 'D0056', 'D0042', 'D0035', 'D0028', 'D0020', 'D0004', 'D0006', 'D0029', 'D0086', 'D0079'] }, los: [18, 22], band: [0.4, 0.6], gap: [40, 70] },
    { hosp: LEAGUE, dx: { name: '心脏瓣膜置换术后 心功能不全 抗凝治疗调整', serious: true, iv: true, oxygen: true, monitor: true, labs: ['250200001', '250300005'], exams: ['220600002', '310701001'], drugs: ['D0028', 'D0035', 'D0065', 'D0064', 'D0020', 'D0006', 'D0079', 'D0086'] }, los: [8, 12], band: [0.0, 0.12], gap: [30, 60] },
  ],
  aorticValve: () => [
    { hosp: BEIJING, dx: { name: '主动脉瓣狭窄伴关闭不全 主动脉瓣置换术', serious: true, iv: true, icuDays: 3, labs: ['250300005', '250200001', '250400003', '250100003'], exams: ['220600002', '210300002', '310701001', '310800001'], surgery: { proc: '330700002', anes: 'general', hours: 6, extra: ['330300001'], mats: ['M0101', 'M0102', 'M0111', 'M0113', 'M0109'] }, blood: [3, 6], drugs: ['D0021', 'D0056', 'D0042', 'D0035', 'D0028', 'D0020', 'D0004', 'D0006', 'D0029'] }, los: [15, 19], band: [0.3, 0.5], gap: [40, 70] },
    { hosp: LEAGUE, dx: { name: '心脏瓣膜置换术后 心功能不全', serious: true, iv: true, oxygen: true, monitor: true, labs: ['250300005', '250200001'], exams: ['220600002', '310701001', '210102001'], drugs: ['D0028', 'D0035', 'D0065', 'D0064', 'D0020', 'D0021', 'D0006'] }, los: [9, 13], band: [0.05, 0.2], gap: [40, 80] },
    { hosp: countyGeneral('152201'), dx: { name: '心脏瓣膜置换术后 抗凝监测', serious: true, iv: true, labs: ['250200001'], exams: ['310701001', '220600002'], drugs: ['D0028', 'D0064', 'D0065', 'D0006', 'D0020', 'D0079'] }, los: [6, 9], band: [0.0, 0.15], gap: [30, 60] },
  ],
  childASD: (cc) => [
    { hosp: countyGeneral(cc), dx: { name: '先天性心脏病 房间隔缺损 合并支气管肺炎', serious: true, iv: true, nebul: true, labs: ['250300005', '250400001'], exams: ['220600002', '310701001', '210102001'], drugs: ['D0063', 'D0003', 'D0008', 'D0009', 'D0006', 'D0007', 'D0034', 'D0080', 'D0082'] }, los: [7, 10], band: [0.0, 0.2], gap: [10, 25] },
    { hosp: BEIJING, dx: { name: '先天性心脏病 房间隔缺损修补术', serious: true, iv: true, icuDays: 4, monitor: true, labs: ['250300005', '250200001', '250400003', '250100003'], exams: ['220600002', '310701001', '210102001', '210300001'], surgery: { proc: '330700003', anes: 'general', hours: 5, extra: ['330300001'], mats: ['M0102', 'M0111', 'M0113', 'M0109'] }, extraProc: ['310100003'], blood: [2, 3], drugs: ['D0063', 'D0021', 'D0035', 'D0004', 'D0006', 'D0034', 'D0056', 'D0050', 'D0042', 'D0029'] }, los: [13, 16], band: [0.02, 0.15], gap: [40, 70] },
    { hosp: countyGeneral(cc), dx: { name: '房间隔缺损修补术后复查 支气管肺炎', serious: true, iv: true, nebul: true, labs: ['250400001'], exams: ['220600002', '210102001', '310701001'], drugs: ['D0063', 'D0003', 'D0008', 'D0009', 'D0006'] }, los: [7, 10], band: [0.05, 0.3], gap: [30, 60] },
  ],
  childALL: () => [
    { hosp: PROVINCE, dx: { name: '儿童急性淋巴细胞白血病 诱导缓解化疗', serious: true, iv: true, labs: ['250100004', '250200001', '250400003', '250300005'], exams: ['220600001', '210300001', '220600002'], procs: ['310100001', '310100002'], extraProc: ['310100003'], blood: [2, 5], drugs: ['D0031', 'D0033', 'D0034', 'D0021', 'D0056', 'D0025', 'D0006', 'D0029'], mats: ['M0109'] }, los: [16, 18], band: [0.3, 0.55], gap: [8, 14] },
    { hosp: PROVINCE, dx: { name: '儿童急性淋巴细胞白血病 巩固治疗', serious: true, iv: true, labs: ['250100004', '250300005'], exams: ['220600001'], procs: ['310100001', '310100002'], blood: [1, 3], drugs: ['D0057', 'D0058', 'D0032', 'D0033', 'D0025', 'D0034', 'D0006', 'D0021', 'D0056'] }, los: [10, 14], band: [0.1, 0.3], gap: [10, 18] },
    { hosp: LEAGUE, dx: { name: '儿童急性淋巴细胞白血病 化疗后骨髓抑制 肺部感染', serious: true, iv: true, oxygen: true, labs: ['250400001', '250100003'], exams: ['210300001', '210102001'], blood: [1, 3], drugs: ['D0056', 'D0042', 'D0034', 'D0006', 'D0029'] }, los: [9, 13], band: [0.1, 0.35], gap: [10, 18] },
    { hosp: LEAGUE, dx: { name: '儿童急性淋巴细胞白血病 大剂量甲氨蝶呤化疗', serious: true, iv: true, labs: ['250100004', '250300005'], exams: ['220600001'], procs: ['310100002'], drugs: ['D0032', 'D0031', 'D0025', 'D0034', 'D0006', 'D0007', 'D0050'] }, los: [8, 12], band: [0.05, 0.2], gap: [20, 35] },
  ],
  hipNecrosis: (cc) => [
    { hosp: countyGeneral(cc), dx: { name: '股骨头坏死（双侧）', serious: true, iv: true, labs: ['250400001'], exams: ['210200001', '210102001'], drugs: ['D0070', 'D0047', 'D0017', 'D0006', 'D0088'] }, los: [6, 9], band: [0.0, 0.2], gap: [15, 30] },
    { hosp: PROVINCE, dx: { name: '股骨头坏死 全髋关节置换术', serious: true, iv: true, labs: ['250200001', '250400003', '250300005'], exams: ['210300001', '210102001', '310701001', '220600001'], surgery: { proc: '331501004', anes: 'general', hours: 4, mats: ['M0105', 'M0111', 'M0113'] }, blood: [2, 4], rehab: true, drugs: ['D0063', 'D0020', 'D0075', 'D0006', 'D0050', 'D0047'] }, los: [12, 16], band: [0.35, 0.65], gap: [25, 40] },
    { hosp: countyGeneral(cc), dx: { name: '全髋关节置换术后 康复治疗', serious: true, iv: false, rehab: true, labs: [], exams: ['210102001'], drugs: ['D0020', 'D0070', 'D0047', 'D0068'] }, los: [10, 12], band: [0.2, 0.5], gap: [40, 90] },
    { hosp: LEAGUE, dx: { name: '股骨头坏死（对侧） 股骨头髓芯减压术', serious: true, iv: true, labs: ['250200001', '250400003'], exams: ['210200001', '210300001', '220600001'], surgery: { proc: '331501005', anes: 'spinal', mats: ['M0113'] }, drugs: ['D0063', 'D0070', 'D0047', 'D0017', 'D0020', 'D0006'] }, los: [8, 11], band: [0.05, 0.2], gap: [30, 60] },
  ],
  cerebralHemorrhage: (cc) => [
    { hosp: LEAGUE, dx: { name: '脑出血（基底节区） 开颅血肿清除术', serious: true, cSpecific: ['D0087', 'D0094'], surgery: { proc: '331001006', anes: 'general', hours: 4, mats: ['M0111', 'M0113'] }, blood: [2, 4], iv: true, icuDays: 5, oxygen: true, monitor: true, labs: ['250200001', '250300005', '250100003'], exams: ['210300001', '210200001', '310701001'], catheter: true, rehab: true, drugs: ['D0019', 'D0035', 'D0004', 'D0042', 'D0021', 'D0006', 'D0007', 'D0059', 'D0056', 'D0076'] }, los: [18, 22], band: [0.7, 0.95], gap: [3, 10] },
    { hosp: countyGeneral(cc), dx: { name: '脑出血恢复期 偏瘫', serious: true, cSpecific: ['D0087', 'D0093'], iv: true, rehab: true, labs: ['250300005'], exams: ['210300001'], drugs: ['D0068', 'D0059', 'D0060', 'D0017', 'MY007', 'D0006'] }, los: [12, 14], band: [0.5, 0.9], gap: [30, 60] },
    { hosp: LEAGUE, dx: { name: '脑出血后脑积水 脑室-腹腔分流术', serious: true, iv: true, icuDays: 2, monitor: true, labs: ['250200001', '250400003'], exams: ['210300001', '210200001', '310701001'], surgery: { proc: '331001007', anes: 'general', hours: 3, mats: ['M0120', 'M0113'] }, drugs: ['D0063', 'D0019', 'D0004', 'D0006', 'D0007', 'D0059', 'D0076'] }, los: [12, 16], band: [0.3, 0.6], gap: [20, 40] },
    { hosp: countyGeneral(cc), dx: { name: '脑出血后遗症 肺部感染', serious: true, iv: true, oxygen: true, labs: ['250400001'], exams: ['210102001', '210300001'], drugs: ['D0042', 'D0008', 'D0006', 'D0059', 'D0046'] }, los: [9, 12], band: [0.45, 0.85], gap: [30, 60] },
  ],
  lungCancer: () => [
    { hosp: PROVINCE, dx: { name: '肺恶性肿瘤（周围型） CT引导下肺穿刺活检 首程化疗', serious: true, iv: true, labs: ['250400002', '250200001'], exams: ['210300002', '270100001', '220600001'], procs: ['310100004'], drugs: ['D0022', 'D0024', 'D0025', 'D0034', 'D0004', 'D0006', 'D0029', 'D0030', 'D0050'], mats: ['M0109'] }, los: [14, 17], band: [0.05, 0.25], gap: [14, 21] },
    { hosp: LEAGUE, dx: dxChemo('肺恶性肿瘤 第二周期化疗', ['D0022', 'D0024']), los: [7, 9], band: [0.05, 0.2], gap: [14, 21] },
    ...[1, 2, 3].map(() => ({ hosp: LEAGUE, dx: dxChemo('肺恶性肿瘤 化疗', ['D0022', 'D0024']), los: [6, 9], band: [0.08, 0.22], gap: [16, 24] })),
  ],
};

// ---------------------------------------------------------------- outpatient-type bills
function buildChronic(person, hosp, cond) {
  const raw = [];
  const add = (code, qtyH) => raw.push(itemFor(code, hosp, qtyH));
  if (cond === 'esrd') {
    const n = randInt(8, 13);
    add('311000001', n * 100); add('M0110', n * 100);
    add('D0026', randInt(4, 12) * 100);
    if (chance(0.6)) add('D0027', randInt(1, 4) * 100);
    if (chance(0.4)) add('311000002', randInt(1, 2) * 100);
    if (chance(0.5)) add('250100001', 100);
    return raw;
  }
  const meds = {
    htn: ['D0010', 'D0039', 'D0059', 'D0060', 'D0064', 'D0014', 'MY005'],
    dm: ['D0011', 'D0015', 'D0016', 'D0061', 'D0043', 'D0068'],
    copd: ['D0040', 'D0051', 'D0037', 'MY001'],
    chd: ['D0014', 'D0012', 'D0013', 'D0044', 'D0045', 'D0064', 'MY005'],
    stroke: ['D0014', 'D0012', 'D0013', 'D0068', 'MY007', 'MY002'],
    ra: ['D0069', 'D0070', 'MY001', 'MY004', 'MY009', 'MY010'],
  }[cond];
  for (const d of sample(meds, randInt(1, 3))) {
    const c = CAT[d];
    let q = c.price > 10000 ? randInt(1, 2) : randInt(2, 6);
    add(d, q * 100 + (c.frac && chance(0.4) ? 50 : 0));
  }
  if (chance(0.5)) add('110200002', 100);
  if (cond === 'dm' && chance(0.6)) add(chance(0.5) ? '250300007' : '250300006', 100);
  if (cond === 'htn' && chance(0.3)) add('310701001', 100);
  if (cond === 'ra' && chance(0.4)) add('410000001', randInt(2, 6) * 100);
  return raw;
}
function buildPooling(person, hosp) {
  const raw = [];
  const add = (code, qtyH) => raw.push(itemFor(code, hosp, qtyH));
  add('110200002', 100);
  const kind = person._age < 16 ? pick(['uri', 'uri', 'gi']) : pick(['uri', 'uri', 'gi', 'pain', 'mongol']);
  person._poolingDx = pick({ uri: ['上呼吸道感染', '急性支气管炎'], gi: ['慢性胃炎', '消化不良'], pain: ['腰肌劳损', '颈椎病'], mongol: ['慢性胃炎', '腰腿痛'] }[kind]);
  const drugs = { uri: ['D0036', 'D0037', 'D0038', 'D0041'], gi: ['D0005', 'D0072', 'D0073', 'MY006'], pain: ['D0070', 'D0038', 'D0068'], mongol: ['MY004', 'MY006', 'MY008', 'MY010', 'MY001'] }[kind];
  for (const d of sample(drugs, randInt(1, 3))) add(d, randInt(1, 3) * 100 + (CAT[d].frac && chance(0.4) ? 50 : 0));
  if (chance(0.35)) add('250100001', 100);
  if (kind === 'uri' && chance(0.3)) { add('120400001', randInt(1, 3) * 100); }
  return raw;
}
function buildSickbed(person, hosp, days, cond) {
  const raw = [];
  const add = (code, qtyH) => raw.push(itemFor(code, hosp, qtyH));
  add('110300001', 100);
  add('110300002', Math.max(2, Math.floor(days / 4)) * 100);
  const pool = cond === 'stroke' ? ['D0068', 'D0017', 'MY007', 'D0014'] : cond === 'copd' ? ['D0037', 'D0040', 'D0041', 'MY001'] : ['D0014', 'D0010', 'D0011', 'MY005', 'D0006'];
  for (const d of sample(pool, randInt(1, 2))) add(d, randInt(1, 4) * 100);
  if (chance(0.4)) add(pick(['120600001', '120400002', '120400003']), randInt(2, 8) * 100);
  if (chance(0.3)) add('250300007', randInt(2, 8) * 100);
  return raw;
}
function buildPackage(person, hosp, cond) {
  const raw = [];
  const add = (code, qtyH) => raw.push(itemFor(code, hosp, qtyH));
  add('110400001', 100);
  if (cond === 'htn') add('110400002', 100);
  else if (cond === 'dm') add('110400003', 100);
  else if (person._age >= 65) add('110400004', 100);
  if (chance(0.4)) add('250300007', randInt(1, 4) * 100);
  if (chance(0.3)) add(pick(['250100001', '310701001']), 100);
  return raw;
}

// ---------------------------------------------------------------- per-person plans and scheduling
const CHRONIC_NAMES = { htn: '原发性高血压', dm: '2型糖尿病', copd: '慢性阻塞性肺疾病', chd: '冠状动脉粥样硬化性心脏病', stroke: '脑梗死后遗症', ra: '类风湿关节炎', esrd: '终末期肾病（维持性血液透析，月结）', elderly: '老年多种慢性病' };

function chronicConditionsFor(p) {
  if (p._age < 38) return [];
  const prob = p.populations[0] === 'poverty' ? 0.55 : 0.35;
  if (!chance(prob)) return [];
  const opts = { htn: 5, dm: 3, copd: p._age >= 50 ? 2 : 0, chd: p._age >= 50 ? 2 : 0, stroke: p._age >= 55 ? 1.5 : 0, ra: 1 };
  const first = weighted(opts);
  const out = [first];
  if (chance(0.25)) { delete opts[first]; out.push(weighted(opts)); }
  return out;
}
function dxOptionsFor(p, conds) {
  const out = {};
  for (const [k, d] of Object.entries(DX)) {
    if (p._age < d.age[0] || p._age > d.age[1]) continue;
    if (d.sex && d.sex !== p._sex) continue;
    out[k] = d.chronic && conds.includes(d.chronic) ? 5 : (d.chronic === 'htn' || d.chronic === 'dm') ? 0.8 : (d.w ?? 1);
    if (k === 'cesarean' || k === 'delivery') out[k] = 0.8;
  }
  return out;
}
function hospitalFor(p, tier, dx) {
  const cc = p._cc;
  // Mongolian-medicine hospitals take the medical (non-surgical) cases only
  const medical = !dx || !(dx.surgery || dx.pci || dx.procs);
  if (tier === 'township') {
    const t = townshipsIn(cc);
    if (t.length) return pick(t);
    tier = 'county';
  }
  if (tier === 'county') {
    const mg = countyMongol(cc);
    if (mg && dx && dx.mongol && chance(dx.mongol)) return mg;
    if (mg && medical && chance(0.08)) return mg;
    return countyGeneral(cc);
  }
  if (tier === 'league') {
    if (!medical) return LEAGUE;
    return dx && dx.mongol && chance(0.6) ? LEAGUE_MONGOL : (chance(0.07) ? LEAGUE_MONGOL : LEAGUE);
  }
  if (tier === 'province') return PROVINCE;
  return BEIJING;
}

// occupied intervals per person: [start, end] inclusive day numbers; a new visit must start after
// every earlier one ends and end before every later one starts
function fits(occ, a, b) { return occ.every(([s, e]) => b < s || a > e); }
function place(occ, len, lo = 0, hi = 364) {
  for (let t = 0; t < 400; t++) {
    const a = randInt(lo, hi - len);
    if (a < lo) return null;
    if (fits(occ, a, a + len)) { occ.push([a, a + len]); return a; }
  }
  return null;
}

/**
 * The principal diagnosis's ICD-10 code (国家临床版 2.0 style) for the generator's diagnosis texts: the first
 * pattern that matches the text gives the code. Every bill carries `diagnoses: [{ code, name }]`, so that
 * the benefits gated on a diagnosis (the family-doctor package's chronic diseases, SETTLEMENT.md §3) act
 * on the demo year.
 */
const ICD10 = [
  [/食管恶性肿瘤/, 'C15.9'], [/胃恶性肿瘤/, 'C16.9'], [/直肠恶性肿瘤/, 'C20.x00'], [/肺恶性肿瘤/, 'C34.9'],
  [/急性淋巴细胞白血病/, 'C91.0'], [/终末期肾病|慢性肾脏病5期/, 'N18.5'], [/二尖瓣/, 'I05.2'], [/主动脉瓣/, 'I35.2'],
  [/瓣膜置换术后/, 'Z95.2'], [/房间隔缺损/, 'Q21.1'], [/股骨头坏死|全髋关节置换术后/, 'M87.0'], [/脑出血/, 'I61.9'],
  [/社区获得性肺炎/, 'J18.9'], [/支气管肺炎/, 'J18.0'], [/慢性阻塞性肺疾病/, 'J44.1'], [/高血压/, 'I10.x00'],
  [/2型糖尿病/, 'E11.9'], [/心绞痛/, 'I20.0'], [/冠状动脉粥样硬化性心脏病/, 'I25.1'], [/脑梗死/, 'I69.3'],
  [/阑尾炎/, 'K35.9'], [/胆囊结石/, 'K80.101'], [/腰椎间盘突出/, 'M51.2'], [/膝关节骨性关节炎/, 'M17.9'],
  [/萎缩性胃炎/, 'K29.4'], [/慢性胃炎/, 'K29.5'], [/胃肠炎/, 'K52.9'], [/消化不良/, 'K30.x00'], [/股骨颈骨折/, 'S72.0'],
  [/剖宫产/, 'O82.0'], [/顺产/, 'O80.0'], [/白内障/, 'H25.9'], [/前列腺增生/, 'N40.x00'], [/上消化道出血/, 'K92.2'],
  [/心力衰竭/, 'I50.9'], [/带状疱疹/, 'B02.9'], [/类风湿关节炎/, 'M06.9'], [/老年多种慢性病/, 'I10.x00'],
  [/上呼吸道感染/, 'J06.9'], [/急性支气管炎/, 'J20.9'], [/腰肌劳损/, 'M54.5'], [/颈椎病/, 'M47.8'], [/腰腿痛/, 'M54.5'],
];

/** The code, or null for a claim that names no disease (a package visit without a chronic condition). */
function icd10(text) {
  if (text === '家庭医生签约服务') return null;
  const hit = ICD10.find(([re]) => re.test(text));
  if (!hit) throw new Error(`no ICD-10 code for the diagnosis "${text}": add it to ICD10`);
  return hit[1];
}

// the populations whose membership period covers a date (ISO, inclusive at both ends), as the register says
function populationsOn(person, date) {
  const pops = person.periods.filter((m) => m.from <= date && (m.to === '' || date <= m.to)).map((m) => m.population);
  return [...new Set(pops)].sort();
}

let visitCounter = 0;
function emit(person, hospCode, type, a, b, diagnosis, raw) {
  const hosp = H[hospCode];
  bills.push({
    _sort: [b, a, person.id, visitCounter++],
    hospital: { code: hosp.code, tier: hosp.tier },
    person: { id: person.id, populations: populationsOn(person, iso(a)) },
    visit: { type, admitted: iso(a), discharged: iso(b) },
    diagnosis,
    diagnoses: icd10(diagnosis) ? [{ code: icd10(diagnosis), name: diagnosis.replace(/^家庭医生签约服务（(.*)）$/, '$1').replace(/（家庭病床）$/, '') }] : undefined,
    items: finishItems(raw),
  });
}

function targetFor(tier, band) {
  const [lo, hi] = RANGE[tier];
  const f = band[0] + rnd() * (band[1] - band[0]);
  return lo + Math.floor((hi - lo) * f);
}
// build until the total lands in the tier's range (retry with fresh draws)
function inpatientRaw(person, hosp, dx, days, band, { orNull = false } = {}) {
  const [lo, hi] = RANGE[hosp.tier];
  let best = null;
  for (let t = 0; t < 40; t++) {
    const raw = buildInpatient(person, hosp, dx, days, targetFor(hosp.tier, band));
    const merged = new Set(raw.map((r) => r.c.code)).size;
    const tot = totalFen(raw);
    if (tot >= lo && tot <= hi && merged >= 8 && merged <= 30) return raw;
    if (!best || Math.abs(tot - (lo + hi) / 2) < Math.abs(totalFen(best) - (lo + hi) / 2)) best = raw;
  }
  if (orNull) return null;
  throw new Error(`cannot fit ${dx.name} at ${hosp.name}: ${totalFen(best)}`);
}
function smallRaw(builder, lo, hi) {
  for (let t = 0; t < 60; t++) {
    const raw = builder();
    const tot = totalFen(raw);
    const n = new Set(raw.map((r) => r.c.code)).size;
    if (tot >= lo && tot <= hi && n >= 1 && n <= 6) return raw;
  }
  throw new Error('cannot fit small bill');
}

for (const p of people) {
  const occ = [];
  const poor = p.populations[0] === 'poverty';
  const conds = p._serious === 'esrd' ? ['esrd'] : chronicConditionsFor(p);
  p._conds = conds;

  // serious illness: staged admissions in sequence
  if (p._serious) {
    const stages = PLANS[p._serious](p._cc);
    let day = randInt(5, 60);
    for (const st of stages) {
      const hosp = H[st.hosp];
      const days = randInt(st.los[0], st.los[1]);
      if (day + days > 362) break;
      const raw = inpatientRaw(p, hosp, st.dx, days, st.band);
      occ.push([day, day + days]);
      emit(p, hosp.code, 'inpatient', day, day + days, st.dx.name, raw);
      day = day + days + randInt(st.gap[0], st.gap[1]);
    }
  }

  // ordinary admissions
  let nIn;
  if (p._serious) nIn = 0;
  else if (poor) nIn = weighted({ 0: 0.5, 1: 2.5, 2: 4, 3: 2.5 });
  else nIn = weighted({ 0: 0.6, 1: 4, 2: 3, 3: 0.7 });
  nIn = Number(nIn);
  const opts = dxOptionsFor(p, conds);
  for (let i = 0; i < nIn; i++) {
    // draw diagnosis, tier and length of stay; redraw if that stay cannot be priced into its range
    for (let attempt = 0; attempt < 10; attempt++) {
      const key = weighted(opts);
      const dx = DX[key];
      const tier = weighted(dx.tiers);
      const hosp = H[hospitalFor(p, tier, dx)];
      const [l0, l1] = LOS[hosp.tier];
      const days = randInt(l0, l1);
      let useDx = dx;
      if (dx.pci && chance(dx.pci[hosp.tier] || 0)) {
        useDx = { ...dx, name: `${dx.name} 经皮冠状动脉支架植入术`, band: [0.3, 0.7], monitor: true,
          surgery: { proc: '310800002', anes: 'local', extra: ['310800001'], mats: ['M0103', 'M0114'] } };
      }
      const raw = inpatientRaw(p, hosp, useDx, days, useDx.band, { orNull: true });
      if (!raw) continue;
      const a = place(occ, days);
      if (a === null) break;
      emit(p, hosp.code, 'inpatient', a, a + days, useDx.name, raw);
      if (key === 'cesarean' || key === 'delivery') delete opts.cesarean, delete opts.delivery;
      break;
    }
  }

  // chronic-disease outpatient (慢性病门诊): monthly or quarterly claims, 1 day each
  const nChronic = conds.length === 0 ? 0 : conds[0] === 'esrd' ? randInt(4, 6) : Number(weighted(poor ? { 0: 1.2, 1: 2, 2: 0.8 } : { 0: 2.2, 1: 2, 2: 0.4 }));
  for (let i = 0; i < nChronic; i++) {
    const cond = conds[i % conds.length];
    {
      const tier = cond === 'esrd' ? (chance(0.5) ? 'county' : 'league') : weighted({ township: 2, county: 3, league: 1 });
      let hc = hospitalFor(p, tier, null);
      if (cond === 'esrd') hc = tier === 'league' ? LEAGUE : countyGeneral(p._cc);
      const a = place(occ, 0);
      if (a === null) continue;
      const [lo, hi] = cond === 'esrd' ? [300000, 800000] : [3000, 150000];
      const raw = smallRaw(() => buildChronic(p, H[hc], cond), lo, hi);
      emit(p, hc, 'chronicOutpatient', a, a, CHRONIC_NAMES[cond], raw);
    }
  }

  // general outpatient pooling (门诊统筹): township or county, small
  const nPool = Number(weighted({ 0: 8, 1: 1.6, 2: 0.2 }));
  for (let i = 0; i < nPool; i++) {
    const hc = hospitalFor(p, chance(0.6) ? 'township' : 'county', null);
    const a = place(occ, 0);
    if (a === null) continue;
    const raw = smallRaw(() => buildPooling(p, H[hc]), 5000, 60000);
    emit(p, hc, 'outpatientPooling', a, a, p._poolingDx, raw);
  }

  // poverty-only: home sickbed (家庭病床) and family-doctor package (签约服务包)
  if (poor) {
    const bedCond = conds.find((c) => ['stroke', 'copd', 'htn', 'chd'].includes(c)) || (p._serious === 'cerebralHemorrhage' ? 'stroke' : p._age >= 68 ? 'elderly' : null);
    if (bedCond && p._age >= 55 && chance(p._serious ? 1 : 0.65)) {
      const hc = hospitalFor(p, chance(0.6) ? 'township' : 'county', null);
      const days = randInt(10, 45);
      const a = place(occ, days);
      if (a !== null) {
        const raw = smallRaw(() => buildSickbed(p, H[hc], days, bedCond), 3000, 200000);
        emit(p, hc, 'homeSickbed', a, a + days, `${p._serious === 'cerebralHemorrhage' ? '脑出血后遗症' : CHRONIC_NAMES[bedCond]}（家庭病床）`, raw);
      }
    }
    const tw = townshipsIn(p._cc);
    if (tw.length && chance(0.24)) {
      const hc = pick(tw);
      const a = place(occ, 0);
      if (a !== null) {
        const cond = conds.find((c) => c === 'htn' || c === 'dm');
        const raw = smallRaw(() => buildPackage(p, H[hc], cond), 2000, 30000);
        emit(p, hc, 'familyDoctorPackage', a, a, cond ? `家庭医生签约服务（${CHRONIC_NAMES[cond]}）` : '家庭医生签约服务', raw);
      }
    }
  }
}

// ---------------------------------------------------------------- people whose status changes in 2018
// Drawn after every draw above, so the first 150 people and their bills do not change. Each has two
// ordinary inpatient stays at a county or township hospital of their own county, on fixed dates; the
// bill's populations are those in force on the admission date.
const dayOf = (d) => Math.round((Date.parse(`${d}T00:00:00Z`) - Date.UTC(2018, 0, 1)) / 86400000);
const STATUS_CHANGES = [
  { // 脱贫后过渡期继续享受政策: left poverty on 2018-06-30, benefits continue to the end of the year
    county: '152222', sex: 'M', y: [1950, 1962],
    periods: [['poverty', '2016-01-01', '2018-12-31'], ['resident', '2019-01-01', '']],
    stays: [{ hosp: 'H152222-T01', dx: 'pneumonia', admitted: '2018-04-09', days: 6 },
      { hosp: 'H152222-C01', dx: 'hypertension', admitted: '2018-10-15', days: 9 }] },
  { // left poverty without a transition period
    county: '152221', sex: 'F', y: [1958, 1970],
    periods: [['poverty', '2016-01-01', '2018-06-30'], ['resident', '2018-07-01', '']],
    stays: [{ hosp: 'H152221-C01', dx: 'gallstone', admitted: '2018-05-14', days: 7 },
      { hosp: 'H152221-T01', dx: 'gastroenteritis', admitted: '2018-09-10', days: 5 }] },
  { // registered poor in the middle of the year
    county: '152223', sex: 'M', y: [1960, 1972],
    periods: [['resident', '2016-01-01', '2018-04-30'], ['poverty', '2018-05-01', '']],
    stays: [{ hosp: 'H152223-C01', dx: 'lumbar', admitted: '2018-03-12', days: 10 },
      { hosp: 'H152223-T01', dx: 'pneumonia', admitted: '2018-08-06', days: 7 }] },
  { // 返贫: left poverty at the end of 2017, registered poor again on 2018-09-01
    county: '152224', sex: 'F', y: [1948, 1958],
    periods: [['poverty', '2016-01-01', '2017-12-31'], ['resident', '2018-01-01', '2018-08-31'], ['poverty', '2018-09-01', '']],
    stays: [{ hosp: 'H152224-C01', dx: 'copd', admitted: '2018-03-19', days: 9 },
      { hosp: 'H152224-C01', dx: 'kneeOA', admitted: '2018-10-08', days: 8 }] },
  { // poor for the first half of 2018 only; a stay across the change goes by its admission date
    county: '152201', sex: 'M', y: [1963, 1975],
    periods: [['resident', '2016-01-01', '2017-12-31'], ['poverty', '2018-01-01', '2018-06-30'], ['resident', '2018-07-01', '']],
    stays: [{ hosp: 'H152201-C01', dx: 'pneumonia', admitted: '2018-06-25', days: 10 },
      { hosp: 'H152201-T01', dx: 'gastritis', admitted: '2018-07-10', days: 5 }] },
];
const newBillsFrom = bills.length;
for (const sc of STATUS_CHANGES) {
  const p = addPerson({ county: sc.county, sex: sc.sex, yLo: sc.y[0], yHi: sc.y[1], pop: sc.periods[0][0] });
  p.periods = sc.periods.map(([population, from, to]) => ({ population, from, to }));
  p.populations = populationsOn(p, '2018-01-01');
  for (const st of sc.stays) {
    const hosp = H[st.hosp];
    if (countyCodeOf(hosp) !== sc.county || !['county', 'township'].includes(hosp.tier)) throw new Error(`${p.id}: ${hosp.code} is not a county or township hospital of ${p.county}`);
    const dx = DX[st.dx];
    const a = dayOf(st.admitted);
    const raw = inpatientRaw(p, hosp, dx, st.days, dx.band);
    emit(p, hosp.code, 'inpatient', a, a + st.days, dx.name, raw);
  }
}
for (const b of bills.slice(newBillsFrom)) b._new = true;
if (people.length !== N_PEOPLE + STATUS_CHANGES.length) throw new Error(`people: ${people.length}`);

// ---------------------------------------------------------------- write
bills.sort((x, y) => {
  for (let i = 0; i < 4; i++) {
    if (x._sort[i] < y._sort[i]) return -1;
    if (x._sort[i] > y._sort[i]) return 1;
  }
  return 0;
});
// the first 410 bills keep their numbers (XA18-000001.. in this order); the status-change people's
// bills are numbered XA18-900001.. in the same order, and all lines stay sorted by discharge date
let nOld = 0, nNew = 0;
const lines = bills.map((b) => JSON.stringify({
  billNo: b._new ? `XA18-9${String(++nNew).padStart(5, '0')}` : `XA18-${String(++nOld).padStart(6, '0')}`,
  hospital: b.hospital, person: b.person, visit: b.visit, diagnosis: b.diagnosis, diagnoses: b.diagnoses, items: b.items,
}));

// register files: CSV, UTF-8 without BOM, LF, a header row, no quoting (no field may need it)
function csv(header, rows) {
  for (const r of rows) for (const f of r) if (/[,"\r\n]/.test(f)) throw new Error(`CSV field needs quoting: ${JSON.stringify(f)}`);
  return [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
}
const hospitalRows = hospitals.map((h) => [h.code, h.name, h.region.code, h.region.name, h.county, h.tier, REGISTER_FROM, '']);
const personRows = people.flatMap((p) => [...p.periods].sort((x, y) => (x.from < y.from ? -1 : 1))
  .map((m) => [p.id, p.name, p.idNumber, p.county, REGION.code, m.population, m.from, m.to]));

writeFileSync(join(OUT, 'hospitals.csv'), csv(['code', 'name', 'regionCode', 'regionName', 'county', 'tier', 'from', 'to'], hospitalRows));
writeFileSync(join(OUT, 'people.csv'), csv(['id', 'name', 'idNumber', 'county', 'insuredRegion', 'population', 'from', 'to'], personRows));
writeFileSync(join(OUT, 'bills.jsonl'), lines.join('\n') + '\n');

const byType = {};
for (const b of bills) byType[b.visit.type] = (byType[b.visit.type] || 0) + 1;
console.log(`hospitals ${hospitals.length}, people ${people.length}, bills ${bills.length}`, byType);

// ---------------------------------------------------------------- medical catalogue (医保目录) and refused attempts
// Nothing below draws from the PRNG: the catalogue comes from CAT and the bills above, and the attempts are
// fixed. The Xing'an ruleset applies the catalogue in `strict` mode: an item whose code is in the catalogue
// in force on the bill's admission date must declare exactly the entry's class, its selfPayRatio (when the
// entry is B) and its priceCap (a declared cap must equal the entry's; an item that declares none takes the
// entry's, which would change its settlement), and a code the catalogue lacks is accepted only as C. So the
// catalogue is written only if every bill above agrees with it exactly; otherwise the seeded year would
// change or fail, and neither seeds/catalogue.csv nor seeds/attempts.jsonl is written (a stale one is removed).
const CATALOGUE_REGION = REGION.code;
const CATALOGUE_FROM = '2018-01-01';
const CATEGORY = { drug: 'drug', svc: 'service', mat: 'material' };
// Entries that change on 2018-07-01, each period's values over CAT's; the agreement check below proves that
// no bill is admitted in a period it would disagree with.
const DATED = {
  // 多西他赛: the self-pay ratio falls from 0.20 to 0.10 (its bills are all admitted before 2018-07-01)
  D0024: [{ from: CATALOGUE_FROM, to: '2018-06-30' }, { from: '2018-07-01', to: '', spr: '0.10' }],
  // 脑蛋白水解物: B (0.20) until 2018-06-30, then C (its bills, declared C, are all admitted from 2018-07-01)
  D0094: [{ from: CATALOGUE_FROM, to: '2018-06-30', cls: 'B', spr: '0.20' }, { from: '2018-07-01', to: '' }],
  // 家庭医生签约服务包（高血压个性化包）: in the catalogue from 2018-07-01 (its bills are all admitted from then)
  110400002: [{ from: '2018-07-01', to: '' }],
};
const written = lines.map((l) => JSON.parse(l));
const inPeriod = (e, date) => e.from <= date && (e.to === '' || date <= e.to);

// the periods of every code, each with the code's priceCap (capOf)
const entries = [];
const conflicts = [];
for (const c of Object.values(CAT)) {
  for (const p of DATED[c.code] || [{ from: CATALOGUE_FROM, to: '' }]) {
    const e = { code: c.code, name: c.name, category: CATEGORY[c.kind], cls: p.cls || c.cls, spr: null, cap: '', from: p.from, to: p.to, region: CATALOGUE_REGION };
    e.spr = e.cls === 'B' ? p.spr || c.spr : null;
    if (e.cls !== 'C' && capOf(c) !== null) e.cap = fmtMoney(capOf(c));
    entries.push(e);
  }
}
// every bill item against the entry in force on its admission date, as strict mode compares them
for (const b of written) {
  b.items.forEach((it, i) => {
    const e = entries.find((x) => x.code === it.code && inPeriod(x, b.visit.admitted));
    const field = !e ? (it.class === 'C' ? null : 'class (not in the catalogue)')
      : it.class !== e.cls ? 'class'
      : e.cls === 'B' && it.selfPayRatio !== e.spr ? 'selfPayRatio'
      : (it.priceCap ?? '') !== e.cap ? 'priceCap' : null;
    if (field) conflicts.push({ billNo: b.billNo, code: it.code, index: i, field });
  });
}

const CATALOGUE_FILE = join(OUT, 'catalogue.csv'), ATTEMPTS_FILE = join(OUT, 'attempts.jsonl');
if (conflicts.length) {
  for (const f of [CATALOGUE_FILE, ATTEMPTS_FILE]) if (existsSync(f)) rmSync(f);
  const codes = new Set(conflicts.map((x) => x.code)), fields = [...new Set(conflicts.map((x) => x.field))];
  console.log(`catalogue.csv and attempts.jsonl not written: ${conflicts.length} items of ${new Set(conflicts.map((x) => x.billNo)).size} bills (${codes.size} codes) ` +
    `cannot all agree with one entry per code and period (${fields.join(', ')}); finishItems draws each item's priceCap on its own`);
} else {
  const entryRows = [...entries].sort((x, y) => (x.code < y.code ? -1 : x.code > y.code ? 1 : x.from < y.from ? -1 : 1))
    .map((e) => [e.code, e.name, e.category, e.cls, e.spr ?? '', e.cap, e.from, e.to, e.region]);
  writeFileSync(CATALOGUE_FILE, csv(['code', 'name', 'category', 'class', 'selfPayRatio', 'priceCap', 'from', 'to', 'region'], entryRows));

  // Bills a hospital posts with a declaration the catalogue does not give: the service must refuse each.
  // Existing people, on a day none of their stays covers; prices as the hospital charges them.
  const P = Object.fromEntries(people.map((p) => [p.id, p]));
  const busy = (id, date) => written.some((b) => b.person.id === id && b.visit.admitted <= date && date <= b.visit.discharged);
  const ordinary = (p) => p.periods.length === 1 && !p._serious; // one population all year, no serious illness
  const UNKNOWN = { code: 'D0999', name: '注射用丹参多酚酸盐（100mg）', price: 4680 }; // not in CAT
  if (CAT[UNKNOWN.code]) throw new Error(`${UNKNOWN.code} is in the catalogue`);
  const ATTEMPTS = [
    { // a C item declared A: 维生素C泡腾片 is 丙类
      billNo: 'XA18-800001', hosp: 'H152222-T01', type: 'outpatientPooling', date: '2018-03-15', dx: '上呼吸道感染',
      who: (p) => p._cc === '152222' && ordinary(p),
      items: [['110200002', 1], ['D0036', 3], ['D0096', 2, { class: 'A' }]] },
    { // a B item declared with a lower selfPayRatio: 氯沙坦钾片 is 乙类 0.10, declared 0.05
      billNo: 'XA18-800002', hosp: 'H152222-C01', type: 'chronicOutpatient', date: '2018-05-21', dx: '原发性高血压',
      who: (p) => p._cc === '152222' && ordinary(p) && (p._conds || []).includes('htn'),
      items: [['D0060', 4, { selfPayRatio: '0.05' }], ['D0039', 3], ['110200002', 1]] },
    { // a code the catalogue does not have, declared B
      billNo: 'XA18-800003', hosp: 'H152222-T01', type: 'outpatientPooling', date: '2018-09-12', dx: '急性支气管炎',
      who: (p) => p._cc === '152222' && ordinary(p),
      items: [['110200002', 1], ['120400001', 2], [UNKNOWN.code, 2, { class: 'B', selfPayRatio: '0.20' }]] },
  ];
  const used = new Set();
  const attemptLines = ATTEMPTS.map((a) => {
    const hosp = H[a.hosp];
    const person = people.find((p) => !used.has(p.id) && a.who(p) && !busy(p.id, a.date));
    if (!person) throw new Error(`${a.billNo}: no person`);
    used.add(person.id);
    const items = a.items.map(([code, q, wrong = {}]) => {
      const c = CAT[code] || { code, name: UNKNOWN.name, cls: 'C' };
      const price = CAT[code] ? priceAt(code, hosp) : UNKNOWN.price;
      const cls = wrong.class || c.cls;
      const it = { code, name: c.name, class: cls };
      if (cls === 'B') it.selfPayRatio = wrong.selfPayRatio || c.spr;
      it.unitPrice = fmtMoney(price);
      it.quantity = fmtQty(q * 100);
      it.amount = fmtMoney(amountFen(price, q * 100));
      return it;
    });
    const total = items.reduce((s, it) => s + Math.round(Number(it.amount) * 100), 0);
    const [lo, hi] = a.type === 'outpatientPooling' ? [5000, 60000] : [1000, 1000000];
    if (total < lo || total > hi) throw new Error(`${a.billNo}: total ${fmtMoney(total)} outside ${fmtMoney(lo)}..${fmtMoney(hi)}`);
    return JSON.stringify({
      billNo: a.billNo, hospital: { code: hosp.code, tier: hosp.tier }, person: { id: person.id, populations: populationsOn(P[person.id], a.date) },
      visit: { type: a.type, admitted: a.date, discharged: a.date }, diagnosis: a.dx, diagnoses: [{ code: icd10(a.dx), name: a.dx }], items,
    });
  });
  writeFileSync(ATTEMPTS_FILE, attemptLines.join('\n') + '\n');
  const dated = Object.keys(DATED).length;
  console.log(`catalogue ${entries.length} entries (${Object.keys(CAT).length} codes, ${dated} with a change on 2018-07-01), region ${CATALOGUE_REGION}; every bill agrees; attempts ${attemptLines.length}`);
}
