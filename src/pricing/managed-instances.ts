/**
 * EC2 on-demand prices (USD per hour, Linux) of instance types a Lambda Managed Instances capacity
 * provider may run, per region: AWS Price List API figures as quoted in a public summary of the
 * AWSLambda offer of 2026-09-19 (Lambda-Managed-Instances-*-Management-Hours: c7i.xlarge fee
 * $0.026775/h on EC2 $0.1785/h; c7g.xlarge fee $0.02175/h, so EC2 $0.145/h). Other types need
 * `managed-instances.usd-per-hour` in the configuration.
 */
const MANAGED_INSTANCE_USD_PER_HOUR: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'us-east-1': { 'c7i.xlarge': 0.1785, 'c7g.xlarge': 0.145 },
};
/** Lambda Managed Instances: a management fee of 15% on the EC2 instance price. */
export const MANAGED_INSTANCES_FEE = 0.15;
/** Lambda Managed Instances: requests cost $0.20 per million; there is no GB-second charge. */
export const MANAGED_INSTANCES_REQUEST_USD = 0.2 / 1e6;

/** The instance price for a region and type, or a sentence saying why there is none. */
export function managedInstancePrice(region: string, instanceType: string, usdPerHour?: number): number | string {
  if (usdPerHour !== undefined) return usdPerHour;
  const price = MANAGED_INSTANCE_USD_PER_HOUR[region]?.[instanceType];
  if (price !== undefined) return price;
  const known = Object.entries(MANAGED_INSTANCE_USD_PER_HOUR).flatMap(([r, types]) =>
    Object.keys(types).map((t) => `${t} in ${r}`),
  );
  return `no EC2 price for ${instanceType} in ${region} (known: ${known.join(', ')}); set managed-instances.usd-per-hour to its on-demand price`;
}
