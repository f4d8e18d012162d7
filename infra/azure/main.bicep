// Berth on Azure Functions (Flex Consumption) with Blob Storage and a Storage Queue.
// Identity only: the storage account refuses shared keys, the Function App reaches blob, queue,
// its deployment package and Application Insights with its system-assigned managed identity,
// and every role is scoped to the one container or queue it is needed for (docs/azure.md).

@description('Azure region for every resource.')
param location string = resourceGroup().location

@description('Function App name (also the base of the other resource names).')
@minLength(2)
@maxLength(40)
param appName string

@description('Storage account name: 3-24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param storageAccountName string = toLower(take('berth${uniqueString(resourceGroup().id, appName)}', 24))

@description('Blob container holding all Berth data (BERTH_CONTAINER).')
param containerName string = 'berth'

@description('Storage queue carrying RepoChanged events (BERTH_QUEUE).')
param queueName string = 'berth-events'

@description('SHA-256 (64 hex digits) of the operator token. Never the token itself: printf %s "$TOKEN" | sha256sum')
@minLength(64)
@maxLength(64)
param adminTokenSha256 string

@description('Public base URL written into config.repo (e.g. https://repo.example.com); empty = taken from each request.')
param publicUrl string = ''

@description('Largest accepted package (BERTH_MAX_UPLOAD_BYTES); the Functions front end caps request bodies at about 100 MB.')
param maxUploadBytes string = '100M'

@description('How long superseded repodata stays downloadable (BERTH_RETENTION).')
param retention string = '3d'

@description('Six-field NCRONTAB of the mirror timer (BERTH_MIRROR_SCHEDULE): how often due mirrors are looked for. Each mirror runs at its own intervalSeconds.')
param mirrorSchedule string = '30 */5 * * * *'

@description('Node.js major version. 24 when the region offers it on Flex Consumption (az functionapp list-flexconsumption-runtimes), else 22.')
@allowed(['24', '22'])
param nodeVersion string = '24'

@description('Upper bound on Flex Consumption instances.')
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

var deploymentContainerName = 'app-package'
// The Functions host keeps its locks (timer singleton, host id) and keys in these containers.
var hostContainerNames = ['azure-webjobs-hosts', 'azure-webjobs-secrets']
var poisonQueueName = '${queueName}-poison'

// Built-in role definition ids.
var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource dataContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: containerName
  properties: { publicAccess: 'None' }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

resource hostContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for name in hostContainerNames: {
  parent: blobService
  name: name
  properties: { publicAccess: 'None' }
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource eventsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: queueName
}

// Created here because the identity may not create queues; the host moves a message here after maxDequeueCount failures.
resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: poisonQueueName
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${appName}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${appName}-ai'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    // Ingestion needs Entra ID (the app's identity), not the instrumentation key alone.
    DisableLocalAuth: true
  }
}

resource storageDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'storage-to-logs'
  scope: storage
  properties: {
    workspaceId: logs.id
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'blob-to-logs'
  scope: blobService
  properties: {
    workspaceId: logs.id
    logs: [
      { category: 'StorageWrite', enabled: true }
      { category: 'StorageDelete', enabled: true }
    ]
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${appName}-plan'
  location: location
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: { reserved: true }
}

var baseSettings = [
  // Host storage and the queue trigger's connection (QUEUE_CONNECTION), identity-based.
  { name: 'AzureWebJobsStorage__accountName', value: storage.name }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'BERTH_STORAGE_ACCOUNT_URL', value: storage.properties.primaryEndpoints.blob }
  { name: 'BERTH_QUEUE_SERVICE_URL', value: storage.properties.primaryEndpoints.queue }
  { name: 'BERTH_CONTAINER', value: dataContainer.name }
  { name: 'BERTH_QUEUE', value: eventsQueue.name }
  { name: 'BERTH_ADMIN_TOKEN_SHA256', value: adminTokenSha256 }
  { name: 'BERTH_MAX_UPLOAD_BYTES', value: maxUploadBytes }
  { name: 'BERTH_RETENTION', value: retention }
  { name: 'BERTH_MIRROR_SCHEDULE', value: mirrorSchedule }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD' }
  // The Node worker's V8 flags: the heap sizing `berth serve` runs with (bin/serve-flags.js).
  { name: 'languageWorkers__node__arguments', value: '--max-semi-space-size=8 --heap-growing-percent=25' }
]
var publicUrlSetting = empty(publicUrl) ? [] : [{ name: 'BERTH_PUBLIC_URL', value: publicUrl }]

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: concat(baseSettings, publicUrlSetting)
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
  dependsOn: [deploymentContainer, hostContainers, poisonQueue]
}

var principalId = functionApp.identity.principalId
// Assignment names must be known when the deployment starts, so they hash the app's resource id
// (stable), not its principal id (known only once the app exists).

// Berth's data: read, write, delete blobs in its container only.
resource dataBlobRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataContainer.id, functionApp.id, roles.storageBlobDataContributor)
  scope: dataContainer
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

// Flex deployment storage: the platform fetches the app package with the app's identity.
resource deploymentBlobRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deploymentContainer.id, functionApp.id, roles.storageBlobDataContributor)
  scope: deploymentContainer
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

// Host storage: leases for the timer singleton and host id, and the host's key file.
resource hostBlobRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for i in range(0, length(hostContainerNames)): {
  name: guid(hostContainers[i].id, functionApp.id, roles.storageBlobDataContributor)
  scope: hostContainers[i]
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}]

// The event queue: the publish path sends, the trigger receives and deletes.
resource eventsQueueRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(eventsQueue.id, functionApp.id, roles.storageQueueDataContributor)
  scope: eventsQueue
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

// The poison queue: the trigger moves a message here after maxDequeueCount failures.
resource poisonQueueRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(poisonQueue.id, functionApp.id, roles.storageQueueDataContributor)
  scope: poisonQueue
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

// Telemetry with Entra ID auth (local auth is disabled on the component).
resource telemetryRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, functionApp.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

output functionAppName string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
output storageAccountName string = storage.name
output deploymentContainer string = deploymentContainerName
