using Amazon.S3;
using Amazon.S3.Model;
using S3Connector.Core.S3;

namespace S3Connector.Tests;

public sealed class ListingPageTests
{
    private static ListObjectsV2Response Answer(EncodingType? encoding, string[] keys, string[] prefixes, bool truncated = false, string? token = null) => new()
    {
        Encoding = encoding,
        S3Objects = keys.Select(k => new S3Object { Key = k, Size = 1, ETag = "\"e\"" }).ToList(),
        CommonPrefixes = prefixes.ToList(),
        IsTruncated = truncated,
        NextContinuationToken = token,
    };

    [Theory]
    [InlineData("a%2Bb/c.txt", true, "a+b/c.txt")]
    [InlineData("space+name.txt", true, "space name.txt")]
    [InlineData("percent%2520literal.txt", true, "percent%20literal.txt")]
    [InlineData("100%25.txt", true, "100%.txt")]
    [InlineData("%C3%BCmlaut/%C3%A9.txt", true, "ümlaut/é.txt")]
    [InlineData("%EE%80%80-private.txt", true, "\uE000-private.txt")]
    [InlineData("a+b/c.txt", false, "a+b/c.txt")]
    [InlineData("plus+sign.txt", false, "plus+sign.txt")]
    [InlineData("percent%20literal.txt", false, "percent%20literal.txt")]
    [InlineData("100%.txt", false, "100%.txt")]
    [InlineData("space name.txt", false, "space name.txt")]
    [InlineData("emoji-😀.txt", false, "emoji-😀.txt")]
    public void Keys_are_decoded_only_when_the_listing_was_url_encoded(string listed, bool urlEncoded, string key) =>
        Assert.Equal(key, S3Gateway.ListedKey(listed, urlEncoded));

    [Fact]
    public void Only_an_answer_that_says_url_counts_as_encoded()
    {
        Assert.True(S3Gateway.IsUrlEncoded(EncodingType.Url));
        Assert.True(S3Gateway.IsUrlEncoded(new EncodingType("URL")));
        Assert.False(S3Gateway.IsUrlEncoded(null));
        Assert.False(S3Gateway.IsUrlEncoded(new EncodingType("")));
    }

    [Fact]
    public void An_encoded_answer_has_its_keys_and_prefixes_decoded()
    {
        var page = S3Gateway.ToListPage("b", "", Answer(EncodingType.Url, ["plus%2Bsign.txt", "space+name.txt"], ["a%2Bb/"], true, "t1"));

        Assert.Equal(["plus+sign.txt", "space name.txt"], page.Objects.Select(o => o.Key));
        Assert.Equal(["a+b/"], page.CommonPrefixes);
        Assert.Equal("t1", page.NextContinuationToken);
    }

    [Fact]
    public void An_answer_without_encoding_type_keeps_its_keys_and_prefixes_as_they_are()
    {
        var page = S3Gateway.ToListPage("b", "", Answer(null, ["plus+sign.txt", "percent%20literal.txt"], ["a+b/"]));

        Assert.Equal(["plus+sign.txt", "percent%20literal.txt"], page.Objects.Select(o => o.Key));
        Assert.Equal(["a+b/"], page.CommonPrefixes);
        Assert.Null(page.NextContinuationToken);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_truncated_answer_without_a_token_is_an_error_naming_bucket_and_prefix(string? token)
    {
        var e = Assert.Throws<TruncatedListingException>(() => S3Gateway.ToListPage("b", "p/", Answer(EncodingType.Url, ["p/x"], [], true, token)));

        Assert.Equal("S3 answered a truncated listing of s3://b/p/ without a continuation token.", e.Message);
        Assert.False(S3Errors.IsRetryable(e));
        Assert.Equal("S3 answered a truncated listing of s3://b/p/ without a continuation token", S3Errors.Describe(e));
    }

    [Fact]
    public void A_token_on_an_answer_that_is_not_truncated_is_ignored() =>
        Assert.Null(S3Gateway.ToListPage("b", "", Answer(null, ["k"], [], false, "stale")).NextContinuationToken);
}
