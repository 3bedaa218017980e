using System.Globalization;
using System.Text;

namespace Scout.Configuration;

/// <summary>Go's time.ParseDuration syntax ("60s", "1h30m", "1.5h", "250ms"), so existing env values keep working.</summary>
public static class GoDuration
{
    public const string AcceptedForm = "a Go duration such as 60s, 5m, 1h30m or 48h";

    private static readonly (string Unit, double Ticks)[] Units =
    [
        ("ns", TimeSpan.TicksPerMillisecond / 1_000_000.0),
        ("us", TimeSpan.TicksPerMillisecond / 1_000.0),
        ("µs", TimeSpan.TicksPerMillisecond / 1_000.0),
        ("μs", TimeSpan.TicksPerMillisecond / 1_000.0),
        ("ms", TimeSpan.TicksPerMillisecond),
        ("s", TimeSpan.TicksPerSecond),
        ("m", TimeSpan.TicksPerMinute),
        ("h", TimeSpan.TicksPerHour),
    ];

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        var negative = false;
        if (s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s == "0") return true;
        if (s.Length == 0) return false;

        double ticks = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (start == i) return false;
            if (!double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
                return false;
            var unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.') i++;
            var unit = s[unitStart..i];
            var match = Array.FindIndex(Units, u => u.Unit == unit);
            if (match < 0) return false;
            ticks += number * Units[match].Ticks;
        }
        if (ticks > TimeSpan.MaxValue.Ticks) return false;
        value = TimeSpan.FromTicks((long)Math.Round(ticks) * (negative ? -1 : 1));
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"\"{text}\" is not {AcceptedForm}");

    /// <summary>
    /// Formats like Go's Duration.String() ("1h30m0s", "5m0s", "1.5s", "500µs", "100ns"), exact to the tick,
    /// so <see cref="Parse"/> reads back the same value.
    /// </summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero) return "0s";
        var sign = value < TimeSpan.Zero ? "-" : "";
        var ticks = value.Ticks == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)Math.Abs(value.Ticks);
        if (ticks < TimeSpan.TicksPerSecond)
        {
            // Below one second Go picks the largest unit that fits: ns, µs or ms (one tick is 100 ns).
            if (ticks < 10) return sign + (ticks * 100).ToString(CultureInfo.InvariantCulture) + "ns";
            if (ticks < TimeSpan.TicksPerMillisecond) return sign + Fixed(ticks, 10) + "µs";
            return sign + Fixed(ticks, TimeSpan.TicksPerMillisecond) + "ms";
        }
        var sb = new StringBuilder(sign);
        var hours = ticks / TimeSpan.TicksPerHour;
        var minutes = ticks / TimeSpan.TicksPerMinute % 60;
        if (hours > 0) sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        if (hours > 0 || minutes > 0) sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        return sb.Append(Fixed(ticks % TimeSpan.TicksPerMinute, TimeSpan.TicksPerSecond)).Append('s').ToString();
    }

    /// <summary><paramref name="ticks"/> in units of <paramref name="unit"/> ticks, with the fraction's trailing zeros dropped.</summary>
    private static string Fixed(ulong ticks, long unit)
    {
        var whole = (ticks / (ulong)unit).ToString(CultureInfo.InvariantCulture);
        var fraction = ticks % (ulong)unit;
        if (fraction == 0) return whole;
        var digits = unit.ToString(CultureInfo.InvariantCulture).Length - 1;
        return whole + "." + fraction.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }
}
