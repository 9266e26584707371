/*
** managed.c: the AWS managed policies tarn knows, with the statements AWS
** documents for them in its managed policy reference (the default version
** at the time of writing, noted beside each), parsed by the same parser as
** any other policy. Any other managed ARN is refused, naming the known ones,
** rather than granting nothing (or everything) silently.
*/
#include "iam/iam_int.h"

#include <string.h>

typedef struct managed_policy {
    const char *arn;
    const char *document;
} managed_policy;

/* v5: Glue's service role: glue:*, bucket listing, aws-glue-* buckets and
** objects, crawler-public* reads, /aws-glue/ log groups, ENI bookkeeping. */
static const char glue_service_role[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":["
    "{\"Effect\":\"Allow\",\"Action\":[\"glue:*\",\"s3:GetBucketLocation\",\"s3:ListBucket\","
    "\"s3:ListAllMyBuckets\",\"s3:GetBucketAcl\",\"ec2:DescribeVpcEndpoints\","
    "\"ec2:DescribeRouteTables\",\"ec2:CreateNetworkInterface\",\"ec2:DeleteNetworkInterface\","
    "\"ec2:DescribeNetworkInterfaces\",\"ec2:DescribeSecurityGroups\",\"ec2:DescribeSubnets\","
    "\"ec2:DescribeVpcAttribute\",\"iam:ListRolePolicies\",\"iam:GetRole\","
    "\"iam:GetRolePolicy\",\"cloudwatch:PutMetricData\"],\"Resource\":[\"*\"]},"
    "{\"Effect\":\"Allow\",\"Action\":[\"s3:CreateBucket\"],"
    "\"Resource\":[\"arn:aws:s3:::aws-glue-*\"]},"
    "{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\",\"s3:DeleteObject\"],"
    "\"Resource\":[\"arn:aws:s3:::aws-glue-*/*\",\"arn:aws:s3:::*/*aws-glue-*/*\"]},"
    "{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\"],"
    "\"Resource\":[\"arn:aws:s3:::crawler-public*\",\"arn:aws:s3:::aws-glue-*\"]},"
    "{\"Effect\":\"Allow\",\"Action\":[\"logs:CreateLogGroup\",\"logs:CreateLogStream\","
    "\"logs:PutLogEvents\"],\"Resource\":[\"arn:aws:logs:*:*:*:/aws-glue/*\"]},"
    "{\"Effect\":\"Allow\",\"Action\":[\"ec2:CreateTags\",\"ec2:DeleteTags\"],"
    "\"Condition\":{\"ForAllValues:StringEquals\":{\"aws:TagKeys\":"
    "[\"aws-glue-service-resource\"]}},"
    "\"Resource\":[\"arn:aws:ec2:*:*:network-interface/*\",\"arn:aws:ec2:*:*:security-group/*\","
    "\"arn:aws:ec2:*:*:instance/*\"]}]}";

static const char s3_full_access[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
    "\"Action\":[\"s3:*\",\"s3-object-lambda:*\"],\"Resource\":\"*\"}]}";

static const char s3_read_only[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
    "\"Action\":[\"s3:Get*\",\"s3:List*\",\"s3:Describe*\",\"s3-object-lambda:Get*\","
    "\"s3-object-lambda:List*\"],\"Resource\":\"*\"}]}";

/* v13: athena:*, the Glue catalog calls Athena makes, query result buckets
** named aws-athena-query-results-*, and read-only helpers. */
static const char athena_full_access[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":["
    "{\"Sid\":\"BaseAthenaPermissions\",\"Effect\":\"Allow\",\"Action\":[\"athena:*\"],"
    "\"Resource\":[\"*\"]},"
    "{\"Sid\":\"BaseGluePermissions\",\"Effect\":\"Allow\",\"Action\":[\"glue:CreateDatabase\","
    "\"glue:DeleteDatabase\",\"glue:GetCatalog\",\"glue:GetCatalogs\",\"glue:GetDatabase\","
    "\"glue:GetDatabases\",\"glue:UpdateDatabase\",\"glue:CreateTable\",\"glue:DeleteTable\","
    "\"glue:BatchDeleteTable\",\"glue:UpdateTable\",\"glue:GetTable\",\"glue:GetTables\","
    "\"glue:BatchCreatePartition\",\"glue:CreatePartition\",\"glue:DeletePartition\","
    "\"glue:BatchDeletePartition\",\"glue:UpdatePartition\",\"glue:GetPartition\","
    "\"glue:GetPartitions\",\"glue:BatchGetPartition\",\"glue:StartColumnStatisticsTaskRun\","
    "\"glue:GetColumnStatisticsTaskRun\",\"glue:GetColumnStatisticsTaskRuns\","
    "\"glue:GetCatalogImportStatus\"],\"Resource\":[\"*\"]},"
    "{\"Sid\":\"BaseQueryResultsPermissions\",\"Effect\":\"Allow\",\"Action\":["
    "\"s3:GetBucketLocation\",\"s3:GetObject\",\"s3:ListBucket\","
    "\"s3:ListBucketMultipartUploads\",\"s3:ListMultipartUploadParts\","
    "\"s3:AbortMultipartUpload\",\"s3:CreateBucket\",\"s3:PutObject\","
    "\"s3:PutBucketPublicAccessBlock\"],"
    "\"Resource\":[\"arn:aws:s3:::aws-athena-query-results-*\"]},"
    "{\"Sid\":\"BaseAthenaExamplesPermissions\",\"Effect\":\"Allow\","
    "\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],"
    "\"Resource\":[\"arn:aws:s3:::athena-examples*\"]},"
    "{\"Sid\":\"BaseS3BucketPermissions\",\"Effect\":\"Allow\",\"Action\":[\"s3:ListBucket\","
    "\"s3:GetBucketLocation\",\"s3:ListAllMyBuckets\"],\"Resource\":[\"*\"]},"
    "{\"Sid\":\"BaseSNSPermissions\",\"Effect\":\"Allow\",\"Action\":[\"sns:ListTopics\","
    "\"sns:GetTopicAttributes\"],\"Resource\":[\"*\"]},"
    "{\"Sid\":\"BaseCloudWatchPermissions\",\"Effect\":\"Allow\",\"Action\":["
    "\"cloudwatch:PutMetricAlarm\",\"cloudwatch:DescribeAlarms\",\"cloudwatch:DeleteAlarms\","
    "\"cloudwatch:GetMetricData\"],\"Resource\":[\"*\"]},"
    "{\"Sid\":\"BaseLakeFormationPermissions\",\"Effect\":\"Allow\","
    "\"Action\":[\"lakeformation:GetDataAccess\"],\"Resource\":[\"*\"]},"
    "{\"Sid\":\"BaseDataZonePermissions\",\"Effect\":\"Allow\",\"Action\":["
    "\"datazone:ListDomains\",\"datazone:ListProjects\",\"datazone:ListAccountEnvironments\"],"
    "\"Resource\":[\"*\"]},"
    "{\"Sid\":\"BasePricingPermissions\",\"Effect\":\"Allow\",\"Action\":[\"pricing:GetProducts\"],"
    "\"Resource\":[\"*\"]}]}";

static const char cloudwatch_logs_full_access[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"CloudWatchLogsFullAccess\","
    "\"Effect\":\"Allow\",\"Action\":[\"logs:*\",\"cloudwatch:GenerateQuery\","
    "\"cloudwatch:GenerateQueryResultsSummary\"],\"Resource\":\"*\"}]}";

#define ARN_GLUE "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole"
#define ARN_S3_FULL "arn:aws:iam::aws:policy/AmazonS3FullAccess"
#define ARN_S3_READ "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
#define ARN_ATHENA "arn:aws:iam::aws:policy/AmazonAthenaFullAccess"
#define ARN_LOGS "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess"

static const managed_policy known[] = {
    {ARN_GLUE, glue_service_role},  {ARN_S3_FULL, s3_full_access},
    {ARN_S3_READ, s3_read_only},    {ARN_ATHENA, athena_full_access},
    {ARN_LOGS, cloudwatch_logs_full_access},
};

static const char *const known_arns[] = {ARN_GLUE, ARN_S3_FULL, ARN_S3_READ, ARN_ATHENA,
                                         ARN_LOGS, NULL};

#define NKNOWN (sizeof known / sizeof known[0])

const char *const *tarn_iam_managed_arns(void)
{
    return known_arns;
}

int tarn_iam_managed_policy(const char *arn, tarn_iam_policy **out, tarn_error *err)
{
    *out = NULL;
    for (size_t i = 0; arn && i < NKNOWN; i++) {
        if (strcmp(arn, known[i].arn) != 0)
            continue;
        const char *name = strrchr(known[i].arn, '/') + 1;
        return tarn_iam_policy_parse(name, known[i].document, strlen(known[i].document),
                                     TARN_IAM_IDENTITY_POLICY, out, err);
    }
    tarn_buf list;
    tarn_buf_init(&list, 0);
    for (size_t i = 0; i < NKNOWN; i++)
        tarn_buf_appendf(&list, "%s%s", i ? ", " : "", known[i].arn);
    int rc = tarn_error_set(err, TARN_ERR_UNSUPPORTED, "managed policy '%.200s' is not one tarn "
                            "knows; tarn knows %s; use one of them or an inline policy",
                            arn ? arn : "", list.data);
    tarn_buf_free(&list);
    return rc;
}
