-- 002: thresholds of the delay flags (lib/flags.py), as settings.
-- INSERT OR IGNORE: a database whose users already changed a value keeps it.
-- New databases get these rows here too (data/seed/settings.csv does not repeat them).
-- No semicolon may appear inside a value: the migration runner splits on it.

INSERT OR IGNORE INTO setting (key, value, value_type, description) VALUES
 ('flag_overdue_delayed_months', '3', 'int',
  'Quá hạn từ số tháng này trở lên thì ghi là chậm tiến độ (chậm N tháng). Dưới mức này ghi là mới quá hạn N ngày, vẫn cảnh báo vàng.'),
 ('flag_overdue_red_months', '12', 'int',
  'Quá hạn từ số tháng này trở lên thì cảnh báo đỏ.'),
 ('flag_overdue_severe_months', '36', 'int',
  'Quá hạn từ số tháng này trở lên thì ghi thêm chậm nghiêm trọng.'),
 ('flag_at_risk_months', '12', 'int',
  'Có nguy cơ chậm: còn không quá số tháng này đến hạn mà vẫn đang quy hoạch, hoàn thiện thủ tục, GPMB hoặc chưa rõ giai đoạn.'),
 ('flag_at_risk_construction_months', '3', 'int',
  'Có nguy cơ chậm: còn không quá số tháng này đến hạn mà vẫn đang thi công (khối lượng chưa rõ hoặc dưới 100%).'),
 ('flag_stalled_periods', '2', 'int',
  'Đình trệ: số kỳ báo cáo liên tiếp gần nhất có cùng giai đoạn và cùng khối lượng (tối thiểu 2).'),
 ('flag_stale_days', '180', 'int',
  'Lâu chưa cập nhật: công trình chưa bàn giao có lần cập nhật gần nhất cũ hơn số ngày này (tính đến ngày đánh giá).');
