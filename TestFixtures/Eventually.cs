namespace TestFixtures;

public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 100 ms; fails the test with <paramref name="because"/> when it is not true within the time.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string because, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(100);
        }
        Assert.Fail($"not within {seconds} s: {because}");
    }
}
